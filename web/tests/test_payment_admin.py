"""The panel's online payment pages: the payments list and one payment, the staff's decisions (refund, keep, no-show
fee) against the local Stripe double, the owner's settings; each role sees only what it may, another organization
nothing."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from billing.models.online import (
    GatewayConnection,
    OnlinePayment,
    OnlinePaymentKind,
    OnlinePaymentStatus,
    OnlineRefund,
    PaymentPolicy,
    PolicyKind,
    RefundStatus,
)
from billing.tests.payment_admin_kit import no_show, paid_payment, shop, stripe_double
from kernel.models import AuditEvent
from tilli.test import make_bookable, run_worker

pytestmark = pytest.mark.django_db


def codes(response) -> list[str]:
    return [e.code for errors in response.context["form"].errors.as_data().values() for e in errors]


def url(world, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"org_slug": world.org.slug, **kwargs})


@pytest.fixture
def stripe():
    with stripe_double() as double:
        yield double


@pytest.fixture
def counter(world, stripe):
    return shop(world)


@pytest.fixture
def deposit(counter, stripe):
    return paid_payment(counter, stripe)


def test_staff_who_read_payments_see_the_list_and_the_payment_with_its_receipt(world, client_for, deposit):
    for role in ("owner", "reception", "practitioner", "accountant"):
        browser = client_for(world.member(role))
        listed = browser.get(url(world, "online_payments"))
        assert listed.status_code == 200 and url(world, "online_payment", payment_id=deposit.pk) in listed.text
        page = browser.get(url(world, "online_payment", payment_id=deposit.pk))
        assert page.status_code == 200 and "20,00" in page.text  # in the organization's Finnish
        assert reverse("web:receipt_detail", kwargs={"org_slug": world.org.slug, "sale_id": deposit.sale_id}) \
            in page.text
        assert 'id="test-mode"' in listed.text
        decides = url(world, "online_payment_refund", payment_id=deposit.pk) in page.text
        assert decides == (role in ("owner", "reception"))


def test_the_list_filters_by_status_kind_and_awaiting_a_decision(world, client_for, counter, stripe, deposit):
    browser = client_for(world.reception)
    link = url(world, "online_payment", payment_id=deposit.pk)
    assert link in browser.get(url(world, "online_payments"), {"status": "paid", "kind": "deposit"}).text
    assert link not in browser.get(url(world, "online_payments"), {"status": "refunded"}).text
    assert link not in browser.get(url(world, "online_payments"), {"kind": "prepayment"}).text
    assert link not in browser.get(url(world, "online_payments"), {"status": "decision"}).text
    no_show(deposit)
    assert link in browser.get(url(world, "online_payments"), {"status": "decision"}).text
    bad = browser.get(url(world, "online_payments"), {"status": "stolen", "since": "yesterday"})
    assert bad.status_code == 422 and link not in bad.text


def test_reception_refunds_part_of_a_payment_after_confirming_and_the_gateway_returns_it(world, client_for, deposit,
                                                                                          stripe):
    browser = client_for(world.reception)
    refund_url = url(world, "online_payment_refund", payment_id=deposit.pk)
    form = browser.get(refund_url)
    assert form.status_code == 200 and 'value="20.00"' in form.text  # the most that can be refunded
    unconfirmed = browser.post(refund_url, {"amount": "5.00", "reason": "Late, half kept"})
    assert unconfirmed.status_code == 422 and not OnlineRefund.objects.exists()
    too_much = browser.post(refund_url, {"amount": "25.00", "reason": "Too much", "confirm": "on"})
    assert too_much.status_code == 422 and "20.00" in too_much.text and not OnlineRefund.objects.exists()
    done = browser.post(refund_url, {"amount": "5.00", "reason": "Late, half kept", "confirm": "on"})
    assert done.status_code == 302
    refund = OnlineRefund.objects.get()
    assert (refund.amount, refund.status, refund.requested_by_user_id) == (Decimal("5.00"), RefundStatus.REQUESTED,
                                                                          world.reception.user_id)
    run_worker()
    refund.refresh_from_db()
    deposit.refresh_from_db()
    assert refund.status == RefundStatus.DONE and deposit.status == OnlinePaymentStatus.PARTLY_REFUNDED
    assert [r["amount"] for r in stripe.refunds_for(deposit.provider_ref)] == [500]
    page = client_for(world.owner).get(url(world, "online_payment", payment_id=deposit.pk))
    assert "Late, half kept" in page.text and reverse(
        "web:receipt_detail", kwargs={"org_slug": world.org.slug, "sale_id": refund.credit_id}) in page.text


def test_keeping_a_deposit_after_a_no_show_needs_a_confirmation(world, client_for, deposit):
    browser = client_for(world.owner)
    keep_url = url(world, "online_payment_keep", payment_id=deposit.pk)
    # While the booking stands there is nothing to keep: no button, and a forged form is refused in words.
    assert keep_url not in browser.get(url(world, "online_payment", payment_id=deposit.pk)).text
    early = browser.post(keep_url, {"confirm": "on"})
    with translation.override(re.search(r'<html lang="([a-z]+)"', early.text).group(1)):
        refusal = gettext("The booking still stands: a payment is kept, or the no-show fee charged, only after a "
                          "cancellation or a no-show.")
    assert early.status_code == 422 and refusal in early.text
    no_show(deposit)
    assert browser.get(keep_url).status_code == 200
    assert browser.post(keep_url, {}).status_code == 422
    assert browser.post(keep_url, {"confirm": "on"}).status_code == 302
    deposit.refresh_from_db()
    assert deposit.status == OnlinePaymentStatus.KEPT
    again = browser.post(keep_url, {"confirm": "on"})  # kept already: refused on the form, never a 500
    assert again.status_code == 422


def test_the_no_show_fee_is_charged_to_the_saved_card(world, client_for, counter, stripe):
    guarantee = paid_payment(counter, stripe, kind=PolicyKind.CARD_GUARANTEE)
    no_show(guarantee)
    browser = client_for(world.reception)
    page = browser.get(url(world, "online_payment", payment_id=guarantee.pk))
    fee_url = url(world, "online_payment_fee", payment_id=guarantee.pk)
    assert fee_url in page.text and url(world, "online_payment_refund", payment_id=guarantee.pk) not in page.text
    assert 'value="30.00"' in browser.get(fee_url).text  # the policy's fee
    assert browser.post(fee_url, {"amount": "30.00", "confirm": "on"}).status_code == 302
    fee = OnlinePayment.objects.get(kind=OnlinePaymentKind.NO_SHOW_FEE)
    assert (fee.status, fee.amount, fee.sale_id is not None) == (OnlinePaymentStatus.PAID, Decimal("30.00"), True)
    twice = browser.post(fee_url, {"amount": "30.00", "confirm": "on"})
    assert twice.status_code == 422 and OnlinePayment.objects.filter(kind=OnlinePaymentKind.NO_SHOW_FEE).count() == 1


@pytest.mark.parametrize("role", ["practitioner", "accountant"])
def test_roles_without_the_refund_permission_cannot_decide(world, client_for, deposit, role):
    browser = client_for(world.member(role))
    for name in ("online_payment_refund", "online_payment_keep", "online_payment_fee"):
        assert browser.get(url(world, name, payment_id=deposit.pk)).status_code == 404
        assert browser.post(url(world, name, payment_id=deposit.pk), {"amount": "1", "reason": "x",
                                                                      "confirm": "on"}).status_code == 404
    assert not OnlineRefund.objects.exists()
    deposit.refresh_from_db()
    assert deposit.status == OnlinePaymentStatus.PAID


def test_another_organization_sees_none_of_it(world, client_for, deposit):
    outsider = client_for(world.outsider)
    other = {"org_slug": world.other_org.slug}
    for name in ("online_payment", "online_payment_refund", "online_payment_keep", "online_payment_fee"):
        assert outsider.get(reverse(f"web:{name}", kwargs={**other, "payment_id": deposit.pk})).status_code == 404
        assert outsider.post(reverse(f"web:{name}", kwargs={**other, "payment_id": deposit.pk}),
                             {"amount": "1", "reason": "x", "confirm": "on"}).status_code == 404
        assert outsider.get(url(world, name, payment_id=deposit.pk)).status_code in (302, 403, 404)
    assert url(world, "online_payment", payment_id=deposit.pk) not in outsider.get(
        reverse("web:online_payments", kwargs=other)).text
    assert outsider.get(reverse("web:online_payment_service", kwargs={
        **other, "service_id": deposit.appointment.service_id})).status_code == 404
    assert not OnlineRefund.objects.exists()


def test_a_payment_kept_only_for_accounting_is_not_on_these_pages(world, client_for, deposit):
    OnlinePayment.objects.filter(pk=deposit.pk).update(restricted_until="2035-01-01")
    browser = client_for(world.owner)
    assert browser.get(url(world, "online_payment", payment_id=deposit.pk)).status_code == 404
    assert url(world, "online_payment", payment_id=deposit.pk) not in browser.get(url(world, "online_payments")).text


# The owner's settings -------------------------------------------------------------------------------------------

PAYTRAIL = {"PAYMENT_GATEWAYS": ["paytrail"], "PAYTRAIL_ACCOUNT": "375917", "PAYTRAIL_SECRET": "SAIPPUAKAUPPIAS",
            "PAYTRAIL_API_BASE": "http://127.0.0.1:9", "PAYMENTS_LIVE": False}


@override_settings(**PAYTRAIL)
def test_the_owner_connects_a_gateway_in_test_mode_and_sets_the_default_policy(world, client_for):
    browser = client_for(world.owner)
    settings_url = url(world, "online_payment_settings")
    page = browser.get(settings_url)
    assert page.status_code == 200 and 'id="test-mode"' in page.text and "Paytrail Oyj" in page.text
    refused = browser.post(settings_url, {"action": "policy", "kind": "deposit", "deposit_amount": "15",
                                          "free_cancellation_hours": "24", "text__fi": "15 € deposit"})
    assert refused.status_code == 422 and codes(refused) == ["no_gateway_connected"]
    assert browser.post(settings_url, {"action": "connect", "gateway": "paytrail"}).status_code == 302
    assert GatewayConnection.objects.get(organization=world.org).enabled
    saved = browser.post(settings_url, {"action": "policy", "kind": "deposit", "deposit_amount": "15",
                                        "free_cancellation_hours": "24", "text__fi": "15 € deposit"})
    assert saved.status_code == 302
    policy = PaymentPolicy.objects.get(organization=world.org)
    assert (policy.kind, policy.deposit_amount, policy.version, policy.service) == (
        PolicyKind.DEPOSIT, Decimal("15.00"), 1, None)
    both = browser.post(settings_url, {"action": "policy", "kind": "deposit", "deposit_amount": "15",
                                       "deposit_percent": "10", "free_cancellation_hours": "24"})
    assert both.status_code == 422 and codes(both) == ["deposit_amount_and_percent"]
    with override_settings(PAYMENTS_LIVE=True):
        assert 'id="test-mode"' not in browser.get(settings_url).text
    assert AuditEvent.objects.filter(organization=world.org, object_type="billing.paymentpolicy").count() == 1


@override_settings(**PAYTRAIL)
def test_a_service_gets_its_own_policy_and_can_follow_the_default_again(world, client_for):
    _, _, service = make_bookable(world.org, world.practitioner, price=Decimal("80.00"))
    browser = client_for(world.owner)
    browser.post(url(world, "online_payment_settings"), {"action": "connect", "gateway": "paytrail"})
    service_url = url(world, "online_payment_service", service_id=service.pk)
    assert service.name in browser.get(url(world, "online_payment_settings")).text
    assert browser.get(service_url).status_code == 200
    assert browser.post(service_url, {"action": "policy", "kind": "prepayment", "free_cancellation_hours": "48",
                                      "text__fi": "Paid in advance"}).status_code == 302
    assert PaymentPolicy.objects.get(service=service).kind == PolicyKind.PREPAYMENT
    assert browser.post(service_url, {"action": "default"}).status_code == 302
    assert not PaymentPolicy.objects.filter(service=service).exists()


@override_settings(**PAYTRAIL)
@pytest.mark.parametrize("role", ["reception", "practitioner", "accountant"])
def test_only_the_owner_reaches_the_settings(world, client_for, role):
    _, _, service = make_bookable(world.org, world.practitioner)
    browser = client_for(world.member(role))
    assert browser.get(url(world, "online_payment_settings")).status_code == 404
    assert browser.post(url(world, "online_payment_settings"), {"action": "connect",
                                                                "gateway": "paytrail"}).status_code == 404
    assert browser.get(url(world, "online_payment_service", service_id=service.pk)).status_code == 404
    assert not GatewayConnection.objects.exists()
    assert url(world, "online_payment_settings") not in browser.get(url(world, "online_payments")).text


@override_settings(**PAYTRAIL)
def test_the_owner_cannot_disconnect_another_organizations_gateway_or_one_not_offered(world, client_for):
    other = GatewayConnection.objects.create(organization=world.other_org, gateway="paytrail",
                                             connected_at="2026-01-01T00:00Z")
    browser = client_for(world.owner)
    assert browser.post(url(world, "online_payment_settings"), {"action": "disconnect",
                                                                "connection": other.pk}).status_code == 404
    assert browser.post(url(world, "online_payment_settings"), {"action": "disconnect",
                                                                "connection": "x"}).status_code == 404
    other.refresh_from_db()
    assert other.enabled
    answer = browser.post(url(world, "online_payment_settings"), {"action": "connect", "gateway": "stripe"},
                          follow=True)
    assert answer.status_code == 200 and [m.level_tag for m in answer.context["messages"]] == ["error"]
    assert not GatewayConnection.objects.filter(organization=world.org).exists()


def test_a_declined_card_is_said_as_it_is_and_the_fee_can_be_tried_again(world, client_for, counter, stripe):
    guarantee = paid_payment(counter, stripe, kind=PolicyKind.CARD_GUARANTEE)
    no_show(guarantee)
    browser = client_for(world.owner)
    fee_url = url(world, "online_payment_fee", payment_id=guarantee.pk)
    stripe.fail_next("declined")
    answer = browser.post(fee_url, {"amount": "30.00", "confirm": "on"}, follow=True)
    assert [m.level_tag for m in answer.context["messages"]] == ["error"]
    failed = OnlinePayment.objects.get(kind=OnlinePaymentKind.NO_SHOW_FEE)
    assert failed.status == OnlinePaymentStatus.FAILED and failed.sale_id is None
    assert browser.post(fee_url, {"amount": "30.00", "confirm": "on"}).status_code == 302
    assert OnlinePayment.objects.filter(kind=OnlinePaymentKind.NO_SHOW_FEE,
                                        status=OnlinePaymentStatus.PAID).count() == 1
