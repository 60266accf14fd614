"""/api/v1 online payments and payment policies: the same services as the panel, roles, other organizations, and a
422 with a code for every bad input."""

from __future__ import annotations

import pytest
from django.test import override_settings

from api.tests.test_api import call
from billing.models.online import GatewayConnection, OnlinePayment, OnlineRefund, PaymentPolicy, RefundStatus
from billing.tests.payment_admin_kit import no_show, paid_payment, shop, stripe_double
from kernel.audit import Actor
from kernel.models import ActorKind, AuditEvent
from tilli.test import make_bookable, run_worker

pytestmark = pytest.mark.django_db


def test_the_schemas_choices_are_the_models():
    from typing import get_args

    from api import online_payments as module
    from billing.models.online import OnlinePaymentKind, OnlinePaymentStatus, PolicyKind
    from billing.payment_settings import AWAITING_DECISION

    assert set(get_args(module.StatusFilter)) == {AWAITING_DECISION, *OnlinePaymentStatus.values}
    assert set(get_args(module.KindFilter)) == set(OnlinePaymentKind.values)
    assert set(get_args(module.PolicyKindIn)) == set(PolicyKind.values)


@pytest.fixture
def token_for():
    from api.services import api_token_create

    return lambda m: api_token_create(membership=m, name="t", actor=Actor.system("t"))[1]


@pytest.fixture
def stripe():
    with stripe_double() as double:
        yield double


@pytest.fixture
def deposit(world, stripe):
    return paid_payment(shop(world), stripe)


def test_payments_are_listed_with_filters_and_read_with_their_refunds(world, token_for, deposit):
    token = token_for(world.accountant)
    listed = call("GET", "/online-payments", token)
    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert (item["id"], item["kind"], item["status"], item["amount"], item["currency"], item["receipt_id"]) == (
        deposit.pk, "deposit", "paid", "20.00", "EUR", deposit.sale_id)
    assert call("GET", "/online-payments?status=refunded", token).json()["items"] == []
    assert call("GET", "/online-payments?status=decision", token).json()["items"] == []
    no_show(deposit)
    assert [p["id"] for p in call("GET", "/online-payments?status=decision&kind=deposit&gateway=stripe",
                                  token).json()["items"]] == [deposit.pk]
    detail = call("GET", f"/online-payments/{deposit.pk}", token).json()
    assert detail["refunds"] == [] and detail["provider_ref"] == deposit.provider_ref and detail["policy_text"]


def test_reception_refunds_over_the_api_and_the_gateway_returns_the_money(world, token_for, deposit, stripe):
    token = token_for(world.reception)
    answer = call("POST", f"/online-payments/{deposit.pk}/refunds", token, {"amount": "20.00", "reason": "Ill"})
    assert answer.status_code == 201 and answer.json()["status"] == "requested"
    assert AuditEvent.objects.filter(object_type="billing.onlinerefund", actor_kind=ActorKind.API).count() == 1
    run_worker()
    detail = call("GET", f"/online-payments/{deposit.pk}", token).json()
    assert detail["status"] == "refunded" and detail["refunded"] == "20.00"
    [refund] = detail["refunds"]
    assert refund["status"] == RefundStatus.DONE and refund["credit_receipt_id"]
    assert [r["amount"] for r in stripe.refunds_for(deposit.provider_ref)] == [2000]
    again = call("POST", f"/online-payments/{deposit.pk}/refunds", token, {"amount": "1.00", "reason": "Again"})
    assert again.status_code == 409 and again.json()["code"] == "payment_wrong_state"


@pytest.mark.parametrize("body", [
    {"amount": "0", "reason": "x"}, {"amount": "-1", "reason": "x"}, {"amount": "1.001", "reason": "x"},
    {"amount": "NaN", "reason": "x"}, {"amount": "1e20", "reason": "x"}, {"amount": "1", "reason": ""},
    {"amount": "1", "reason": "x" * 201}, {"reason": "x"}, {"amount": "1"}, {"amount": "1", "reason": "x", "y": 1},
])
def test_a_bad_refund_is_a_422_with_a_code(world, token_for, deposit, body):
    answer = call("POST", f"/online-payments/{deposit.pk}/refunds", token_for(world.owner), body)
    assert answer.status_code == 422 and answer.json()["code"]
    assert not OnlineRefund.objects.exists()


def test_more_than_was_paid_is_refused(world, token_for, deposit):
    answer = call("POST", f"/online-payments/{deposit.pk}/refunds", token_for(world.owner),
                  {"amount": "20.01", "reason": "Too much"})
    assert answer.status_code == 409 and answer.json()["code"] == "payment_refund_too_much"


def test_roles_and_other_organizations(world, token_for, deposit):
    for role in ("practitioner", "accountant"):
        refused = call("POST", f"/online-payments/{deposit.pk}/refunds", token_for(world.member(role)),
                       {"amount": "1.00", "reason": "x"})
        assert refused.status_code == 403
        assert call("GET", "/payment-policies", token_for(world.member(role))).status_code == 403
    assert call("GET", "/payment-policies", token_for(world.reception)).status_code == 403
    outsider = token_for(world.outsider)
    assert call("GET", f"/online-payments/{deposit.pk}", outsider).status_code == 404
    assert call("POST", f"/online-payments/{deposit.pk}/refunds", outsider,
                {"amount": "1.00", "reason": "x"}).status_code == 404
    assert call("GET", "/online-payments", outsider).json()["items"] == []
    service_id = deposit.appointment.service_id
    assert call("PUT", f"/payment-policies/services/{service_id}", outsider,
                {"kind": "none"}).status_code == 404
    assert call("DELETE", f"/payment-policies/services/{service_id}", outsider).status_code == 404
    assert not OnlineRefund.objects.exists()
    OnlinePayment.objects.filter(pk=deposit.pk).update(restricted_until="2035-01-01")
    assert call("GET", f"/online-payments/{deposit.pk}", token_for(world.owner)).status_code == 404


PAYTRAIL = {"PAYMENT_GATEWAYS": ["paytrail"], "PAYTRAIL_ACCOUNT": "375917", "PAYTRAIL_SECRET": "SAIPPUAKAUPPIAS",
            "PAYTRAIL_API_BASE": "http://127.0.0.1:9"}


@override_settings(**PAYTRAIL)
def test_the_owner_sets_the_default_and_a_services_policy(world, token_for):
    from django.utils import timezone

    token = token_for(world.owner)
    _, _, service = make_bookable(world.org, world.practitioner)
    assert call("GET", "/payment-policies", token).json() == {"default": None, "services": []}
    refused = call("PUT", "/payment-policies/default", token, {"kind": "deposit", "deposit_amount": "10.00"})
    assert refused.status_code == 422 and refused.json()["code"] == "no_gateway_connected"
    GatewayConnection.objects.create(organization=world.org, gateway="paytrail", connected_at=timezone.now())
    saved = call("PUT", "/payment-policies/default", token, {"kind": "deposit", "deposit_percent": "25",
                                                            "text": "25 % deposit"})
    assert saved.status_code == 200 and (saved.json()["version"], saved.json()["deposit_percent"]) == (1, "25.00")
    changed = call("PUT", "/payment-policies/default", token, {"kind": "deposit", "deposit_percent": "30",
                                                              "text": "30 % deposit"})
    assert changed.json()["version"] == 2
    assert call("GET", f"/payment-policies/services/{service.pk}", token).json()["code"] == "no_own_policy"
    own = call("PUT", f"/payment-policies/services/{service.pk}", token, {"kind": "prepayment",
                                                                        "free_cancellation_hours": 48})
    assert own.status_code == 200 and own.json()["service_id"] == service.pk
    policies = call("GET", "/payment-policies", token).json()
    assert policies["default"]["kind"] == "deposit" and [p["kind"] for p in policies["services"]] == ["prepayment"]
    assert call("DELETE", f"/payment-policies/services/{service.pk}", token).status_code == 204
    assert PaymentPolicy.objects.filter(service=service).count() == 0


@override_settings(**PAYTRAIL)
@pytest.mark.parametrize(("body", "code"), [
    ({"kind": "deposit"}, "deposit_missing"),
    ({"kind": "deposit", "deposit_amount": "5", "deposit_percent": "5"}, "deposit_amount_and_percent"),
    ({"kind": "deposit", "deposit_percent": "0"}, "invalid"),
    ({"kind": "deposit", "deposit_percent": "101"}, "invalid"),
    ({"kind": "prepayment", "no_show_fee": "-1"}, "invalid"),
    ({"kind": "card", "no_show_fee": "10"}, "no_card_gateway"),
    ({"kind": "card"}, "fee_missing"),
    ({"kind": "everything"}, "invalid"),
    ({"kind": "none", "free_cancellation_hours": -1}, "invalid"),
    ({"kind": "none", "text": "x" * 4001}, "invalid"),
    ({"kind": "deposit", "deposit_percentage": "10"}, "invalid"),
])
def test_bad_policies_are_a_422_with_a_code(world, token_for, body, code):
    from django.utils import timezone

    GatewayConnection.objects.create(organization=world.org, gateway="paytrail", connected_at=timezone.now())
    answer = call("PUT", "/payment-policies/default", token_for(world.owner), body)
    assert answer.status_code == 422 and answer.json()["code"] == code
    assert not PaymentPolicy.objects.exists()
