"""Online payment events reach an owner's webhook: ids, kind, amount and currency, never the payer."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from billing.online_payments import payment_refund
from billing.tests.payment_admin_kit import paid_payment, shop, stripe_double
from kernel.audit import Actor
from notify.tests.test_webhooks import receiver, verify  # noqa: F401  (the receiver fixture)
from notify.webhooks import EVENT_LABELS, webhook_add
from tilli.test import run_worker

pytestmark = pytest.mark.django_db
OWNER = Actor.system("test")


def test_payment_events_are_offered_to_subscribers():
    for name in ("billing.online_payment_paid", "billing.online_payment_failed", "billing.online_payment_lapsed",
                 "billing.online_payment_kept", "billing.online_refund_done"):
        assert name in EVENT_LABELS
    from kernel.events import EVENT_TYPES

    assert {name for name in EVENT_LABELS if name.startswith("billing.online_")} <= set(EVENT_TYPES)


def test_a_paid_and_a_refunded_payment_reach_the_endpoint_with_amounts_only(world, receiver):  # noqa: F811
    _endpoint, secret = webhook_add(organization=world.org, url=receiver.url, actor=OWNER,
                                    event_types=["billing.online_payment_paid", "billing.online_refund_done"])
    with stripe_double() as stripe:
        payment = paid_payment(shop(world), stripe)
        run_worker()
        payment_refund(payment=payment, amount=Decimal("7.50"), reason="Partly", actor=Actor(
            kind="user", user_id=world.owner.user_id, role=world.owner.role))
        run_worker()
        run_worker()
    bodies = {json.loads(body)["event"]: (headers, json.loads(body)) for headers, body in receiver.received}
    assert set(bodies) == {"billing.online_payment_paid", "billing.online_refund_done"}
    headers, paid = bodies["billing.online_payment_paid"]
    assert verify(secret, headers, json.dumps(paid, sort_keys=True, separators=(",", ":")))
    assert paid["data"] == {"organization_id": world.org.pk, "payment_id": payment.pk,
                            "appointment_id": payment.appointment_id, "kind": "deposit", "amount": "20.00",
                            "currency": "EUR"}
    refund = bodies["billing.online_refund_done"][1]["data"]
    assert (refund["payment_id"], refund["refund_amount"], refund["amount"]) == (payment.pk, "7.50", "20.00")
    text = json.dumps([b for _h, b in receiver.received])
    for private in ("Aino", "Virta", "aino@example.test", payment.provider_ref, "Partly"):
        assert private not in text
