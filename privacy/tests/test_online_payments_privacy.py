"""Online payments and privacy (issue 18): a client's export holds their online payments and refunds, an erasure
keeps them restricted for the accounting period, and the privacy notice names each connected gateway as a
recipient (a company in its own right), with the same facts as before for an organization without one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from billing.models.online import GatewayConnection, OnlinePayment, OnlineRefund
from billing.online_payments import payment_refund
from billing.tests.payment_admin_kit import paid_payment, shop, stripe_double
from kernel.audit import Actor
from privacy.documents import notice_facts, record_of_processing
from privacy.erasure import KEEP, erase_client, plan_erasure
from privacy.exports import export_document
from privacy.information import recipients
from tilli.test import run_worker

pytestmark = pytest.mark.django_db
STAFF = Actor.system("test")


@pytest.fixture
def refunded(world):
    with stripe_double() as stripe:
        payment = paid_payment(shop(world), stripe)
        payment_refund(payment=payment, amount=Decimal("5.00"), reason="Late, partly kept",
                       actor=Actor(kind="user", user_id=world.owner.user_id, role=world.owner.role))
        run_worker()
    payment.refresh_from_db()
    assert payment.refunds.get().credit_id is not None
    return payment


def test_the_export_holds_the_clients_online_payments_and_refunds(refunded):
    data = export_document(refunded.client)["data"]
    [payment] = data["billing.OnlinePayment"]["rows"]
    [refund] = data["billing.OnlineRefund"]["rows"]
    assert payment["provider_ref"] == refunded.provider_ref and Decimal(str(payment["amount"])) == Decimal("20.00")
    assert refund["provider_ref"] == refunded.refunds.get().provider_ref


def test_after_erasure_the_payments_are_kept_restricted_for_the_accounting_period(refunded):
    kept = {item.label for item in plan_erasure(refunded.client).items if item.action == KEEP}
    assert {"billing.OnlinePayment", "billing.OnlineRefund"} <= kept
    provider_ref = refunded.provider_ref
    erase_client(client=refunded.client, actor=STAFF)
    payment = OnlinePayment.objects.get(pk=refunded.pk)
    assert payment.restricted_until is not None and payment.restricted_until.year >= payment.created_at.year + 6
    assert payment.provider_ref == provider_ref  # the accounting record reads as it was
    assert OnlineRefund.objects.get(payment=payment).provider_ref
    assert payment.appointment_id is None  # the booking itself is gone


PAYTRAIL = {"PAYMENT_GATEWAYS": ["stripe", "paytrail"], "PAYTRAIL_ACCOUNT": "375917",
            "PAYTRAIL_SECRET": "SAIPPUAKAUPPIAS", "PAYTRAIL_API_BASE": "http://127.0.0.1:9",
            "STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x",
            "STRIPE_API_BASE": "http://127.0.0.1:9"}


@override_settings(**PAYTRAIL)
def test_the_notice_names_each_connected_gateway_and_nothing_changes_without_one(world):
    from privacy.document_rendering import render_notice

    before = notice_facts(world.org)
    assert all("gateway" not in r for r in before["recipients"]["organization"])
    GatewayConnection.objects.create(organization=world.org, gateway="paytrail", connected_at=timezone.now())
    GatewayConnection.objects.create(organization=world.other_org, gateway="stripe", connected_at=timezone.now())
    facts = notice_facts(world.org)
    [paytrail] = [r for r in facts["recipients"]["organization"] if r.get("gateway")]
    assert (paytrail["name"], paytrail["country"], paytrail["is_processor"]) == ("Paytrail Oyj", "FI", False)
    html = render_notice(facts, organization=world.org, language="en")
    assert "Paytrail Oyj" in html and "online payments" in html and "Stripe" not in html
    assert any("Paytrail Oyj" in row["recipients"] for row in record_of_processing(world.org))
    assert any("Paytrail Oyj" in line for line in recipients(world.org))  # the export's Art. 15 information
    other = notice_facts(world.other_org)
    assert [r["name"] for r in other["recipients"]["organization"]] == ["Stripe Payments Europe Ltd"]
    with override_settings(PAYMENT_GATEWAYS=[]):  # taken out of the deployment: no longer a recipient
        assert notice_facts(world.org) == before
