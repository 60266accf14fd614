"""Online payments' billing services against the local Stripe double (real HTTP): the amount under each policy,
settling (receipt, replay, tampered amount), the staff decisions (refund, keep, no-show fee) and their receipts."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from billing.gateways import gateway
from billing.gateways.base import Notification, PaymentRequest, PaymentStatus
from billing.gateways.doubles.stripe import StripeDouble
from billing.models import (
    GatewayConnection,
    GatewayNotice,
    OnlinePayment,
    OnlinePaymentKind,
    OnlinePaymentStatus,
    OnlineRefund,
    PaymentPolicy,
    PolicyKind,
    RefundStatus,
    SaleKind,
    SaleTender,
    TenderMethod,
)
from billing.online_payments import (
    amount_due,
    fee_charge,
    gateway_for,
    payment_create,
    payment_keep,
    payment_of_appointment,
    payment_refund,
    payment_settle,
    payment_started,
    payments_of,
    policy_for,
)
from billing.tests.checkout_kit import make_counter
from booking.models import Appointment, AppointmentState, Channel
from booking.selectors import free_slots
from booking.services import appointment_book
from clients.services import client_create
from kernel.audit import Actor
from kernel.models import AuditEvent, DeliveryStatus, EventDelivery, EventRecord
from tilli.errors import Conflict, Forbidden, Invalid
from tilli.test import run_worker


@pytest.fixture
def stripe() -> Iterator[StripeDouble]:
    with StripeDouble() as double, override_settings(**double.settings(), PAYMENT_GATEWAY_TIMEOUT=1):
        yield double
        assert double.errors == []


@pytest.fixture
def shop(world):
    counter = make_counter(world, open_till=False)
    GatewayConnection.objects.create(organization=world.org, gateway="stripe", connected_at=timezone.now())
    return counter


def staff(world) -> Actor:
    return Actor(kind="user", user_id=world.owner.user_id, role=world.owner.role)


def policy(org, kind=PolicyKind.PREPAYMENT, service=None, **fields) -> PaymentPolicy:
    return PaymentPolicy.objects.create(organization=org, service=service, kind=kind,
                                        text="Paid in advance; free cancellation until 24 h before.", **fields)


def appointment(shop, days=2):
    with transaction.atomic():
        client = client_create(organization=shop.org, actor=shop.actor, first_name="Aino", last_name="Virta",
                               email="aino@example.test", phone="040 123 4567")
    day = timezone.localdate() + dt.timedelta(days=days)
    start = free_slots(shop.service, day, day)[0].start
    return appointment_book(service=shop.service, start=start, client=client, channel=Channel.PHONE, actor=shop.actor)


def pay(payment: OnlinePayment, stripe: StripeDouble, *, setup=False) -> OnlinePayment:
    """Start the payment at the double, press Pay there, and settle the verified return."""
    request = PaymentRequest(reference=payment.stamp, amount_minor=int(payment.amount * 100),
                             currency=payment.currency, description="Service", email="aino@example.test",
                             language="fi", country="FI", return_url="https://tilli.example/pay/return/x/",
                             cancel_url="https://tilli.example/pay/cancel/x/", notify_url="https://tilli.example/n/")
    gw = gateway("stripe")
    checkout = gw.start_card_setup(request) if setup else gw.start(request)
    payment_started(payment=payment, checkout=checkout)
    stripe.complete(checkout.provider_ref)
    notification = gw.settle(method="GET", query={"session_id": checkout.provider_ref}, headers={}, body=b"")
    payment_settle(notification=notification, gateway="stripe")
    payment.refresh_from_db()
    return payment


def paid(shop, stripe, kind=PolicyKind.PREPAYMENT, **fields) -> OnlinePayment:
    rule = policy(shop.org, kind, **fields)
    booked = appointment(shop)
    created = payment_create(organization=shop.org, appointment=booked, policy=rule, gateway="stripe",
                             actor=Actor.system("test"))
    return pay(created, stripe, setup=kind == PolicyKind.CARD_GUARANTEE)


# -- what is due -------------------------------------------------------------------------------------------------


def test_policy_of_the_service_wins_over_the_default_and_none_asks_nothing(world, shop):
    assert policy_for(shop.service) is None
    default = policy(world.org, PolicyKind.DEPOSIT, deposit_percent=Decimal("20"))
    assert policy_for(shop.service) == default
    own = policy(world.org, PolicyKind.NONE, service=shop.service)
    assert policy_for(shop.service) is None
    own.kind = PolicyKind.PREPAYMENT
    own.save()
    assert policy_for(shop.service) == own


def test_amount_due_prepayment_deposit_percent_amount_capped_and_card(world, shop):
    service = shop.service  # 49.00
    assert amount_due(policy(world.org, PolicyKind.PREPAYMENT), service) == ("prepayment", Decimal("49.00"))
    assert amount_due(PaymentPolicy(kind=PolicyKind.DEPOSIT, deposit_percent=Decimal("33")), service) == (
        "deposit", Decimal("16.17"))
    assert amount_due(PaymentPolicy(kind=PolicyKind.DEPOSIT, deposit_amount=Decimal("10")), service) == (
        "deposit", Decimal("10.00"))
    assert amount_due(PaymentPolicy(kind=PolicyKind.DEPOSIT, deposit_amount=Decimal("80")), service) == (
        "deposit", Decimal("49.00"))
    assert amount_due(PaymentPolicy(kind=PolicyKind.CARD_GUARANTEE), service) == ("card_setup", Decimal("0.00"))
    assert amount_due(PaymentPolicy(kind=PolicyKind.NONE), service) is None


def test_gateway_for_needs_an_enabled_connection_the_deployment_offers(world, shop, stripe):
    assert gateway_for(world.org) == "stripe"
    assert gateway_for(world.other_org) is None
    GatewayConnection.objects.filter(organization=world.org).update(enabled=False)
    assert gateway_for(world.org) is None


# -- settling ----------------------------------------------------------------------------------------------------


def test_paid_prepayment_writes_an_online_receipt_with_the_provider_reference(world, shop, stripe):
    payment = paid(shop, stripe)

    assert payment.status == OnlinePaymentStatus.PAID and payment.provider_ref.startswith("pi_")
    assert payment.policy_version == 1 and "free cancellation" in payment.policy_text
    sale = payment.sale
    assert sale.total == Decimal("49.00") and sale.appointment_id is None and sale.client_id == payment.client_id
    tender = SaleTender.objects.get(sale=sale)
    assert (tender.method, tender.amount, tender.reference) == (TenderMethod.ONLINE, Decimal("49.00"),
                                                                payment.provider_ref)
    assert sale.lines.get().service_id == shop.service.pk
    assert payment_of_appointment(payment.appointment) == payment
    assert list(payments_of(world.org, OnlinePaymentStatus.PAID)) == [payment]
    assert list(payments_of(world.other_org)) == []
    assert EventRecord.objects.filter(name="billing.online_payment_paid").count() == 1


def test_deposit_receipt_has_a_deposit_line_for_the_service(world, shop, stripe):
    payment = paid(shop, stripe, PolicyKind.DEPOSIT, deposit_amount=Decimal("15.00"))

    line = payment.sale.lines.get()
    assert payment.kind == OnlinePaymentKind.DEPOSIT and line.total == Decimal("15.00")
    assert line.description.startswith("Deposit") and shop.service.name in line.description


def test_a_replayed_notification_changes_nothing(world, shop, stripe):
    payment = paid(shop, stripe)
    session = stripe.session_for(payment.stamp)
    notification = gateway("stripe").settle(method="GET", query={"session_id": session["id"]}, headers={},
                                             body=b"")
    payment_settle(notification=notification, gateway="stripe")
    payment.refresh_from_db()

    assert payment.status == OnlinePaymentStatus.PAID
    assert OnlinePayment.objects.get(pk=payment.pk).sale_id == payment.sale_id
    assert GatewayNotice.objects.filter(organization=world.org).count() == 1
    assert EventRecord.objects.filter(name="billing.online_payment_paid").count() == 1


def test_a_tampered_amount_or_currency_is_refused_and_nothing_is_paid(world, shop, stripe, caplog):
    rule = policy(shop.org)
    payment = payment_create(organization=shop.org, appointment=appointment(shop), policy=rule, gateway="stripe",
                             actor=Actor.system("test"))
    good = PaymentStatus.PAID
    for amount, currency in ((100, "EUR"), (4900, "PLN")):
        forged = Notification(reference=payment.stamp, provider_ref="pi_x", status=good, amount_minor=amount,
                              currency=currency, event_id=f"evt_{amount}{currency}")
        with pytest.raises(Conflict) as refused:
            payment_settle(notification=forged, gateway="stripe")
        assert refused.value.code == "payment_mismatch"
    payment.refresh_from_db()
    assert payment.status == OnlinePaymentStatus.STARTED and payment.sale_id is None
    assert "stripe:amount-mismatch" in caplog.text and "aino" not in caplog.text.lower()
    with pytest.raises(Conflict):  # a payment of another gateway's name is unknown here
        payment_settle(notification=replace(forged, amount_minor=4900, currency="EUR"),
                       gateway="paytrail")


# -- refunds -----------------------------------------------------------------------------------------------------


def test_refund_is_requested_then_sent_by_the_worker_with_a_credit_receipt(world, shop, stripe):
    payment = paid(shop, stripe)
    refund = payment_refund(payment=payment, amount=Decimal("49.00"), reason="Cancelled in time", actor=staff(world))

    assert refund.status == RefundStatus.REQUESTED and stripe.refunds_for(payment.provider_ref) == []
    assert AuditEvent.objects.filter(object_type="billing.onlinerefund", object_id=str(refund.pk)).count() == 1
    run_worker()
    refund.refresh_from_db()
    payment.refresh_from_db()
    sent = stripe.refunds_for(payment.provider_ref)
    assert len(sent) == 1 and sent[0]["amount"] == 4900
    assert refund.status == RefundStatus.DONE and refund.provider_ref == sent[0]["id"]
    assert payment.status == OnlinePaymentStatus.REFUNDED and payment.refunded == Decimal("49.00")
    credit = refund.credit
    assert credit.kind == SaleKind.CREDIT and credit.refers_to_id == payment.sale_id and credit.total == Decimal(
        "-49.00")
    assert SaleTender.objects.get(sale=credit).method == TenderMethod.ONLINE
    run_worker()  # a second run sends nothing again
    assert len(stripe.refunds_for(payment.provider_ref)) == 1
    with pytest.raises(Conflict):
        payment_refund(payment=payment, amount=Decimal("1.00"), reason="again", actor=staff(world))


def test_partial_refunds_add_up_and_more_than_is_left_is_refused(world, shop, stripe):
    payment = paid(shop, stripe)
    payment_refund(payment=payment, amount=Decimal("10.00"), reason="Shorter visit", actor=staff(world))
    with pytest.raises(Conflict) as too_much:
        payment_refund(payment=payment, amount=Decimal("39.01"), reason="More", actor=staff(world))
    assert too_much.value.code == "payment_refund_too_much"
    run_worker()
    payment.refresh_from_db()
    assert payment.status == OnlinePaymentStatus.PARTLY_REFUNDED and payment.refunded == Decimal("10.00")
    refund = payment_refund(payment=payment, amount=Decimal("39.00"), reason="Rest", actor=staff(world))
    run_worker()
    payment.refresh_from_db()
    refund.refresh_from_db()
    assert payment.status == OnlinePaymentStatus.REFUNDED
    credits = [r.credit.total for r in OnlineRefund.objects.filter(payment=payment)]
    assert sum(credits) == Decimal("-49.00")
    assert [r["amount"] for r in stripe.refunds_for(payment.provider_ref)] == [1000, 3900]


@pytest.mark.parametrize(("amount", "reason"), [(Decimal("0"), "x"), (Decimal("-1"), "x"), (Decimal("1.005"), "x"),
                                                (Decimal("1"), ""), (Decimal("1"), "x" * 201)])
def test_refund_refuses_bad_amounts_and_reasons(world, shop, stripe, amount, reason):
    payment = paid(shop, stripe)
    with pytest.raises(Invalid):
        payment_refund(payment=payment, amount=amount, reason=reason, actor=staff(world))
    assert not OnlineRefund.objects.exists()


def test_a_gateway_outage_is_retried_with_the_backoff_and_refunds_once(world, shop, stripe):
    payment = paid(shop, stripe)
    payment_refund(payment=payment, amount=Decimal("49.00"), reason="Cancelled", actor=staff(world))
    stripe.fail_next("429")  # rate limited: nothing done, tried again later
    stripe.fail_next("timeout")  # the answer is lost: the retry's same idempotency key gets the same refund
    run_worker()
    delivery = EventDelivery.objects.get(subscriber="billing.online_payments.send_the_refund")
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts >= 1
    assert OnlineRefund.objects.get().status == RefundStatus.REQUESTED
    from kernel.events import dispatch

    for _ in range(3):
        dispatch(now=timezone.now() + dt.timedelta(hours=7))
    assert OnlineRefund.objects.get().status == RefundStatus.DONE
    assert len(stripe.refunds_for(payment.provider_ref)) == 1


def test_a_refund_stripe_made_before_answering_500_is_settled_from_the_lookup_once(world, shop, stripe):
    payment = paid(shop, stripe)
    payment_refund(payment=payment, amount=Decimal("49.00"), reason="Cancelled", actor=staff(world))
    stripe.fail_next("500-done")  # refunded at Stripe, but answered 500 (and the 500 saved under our key)

    run_worker()

    refund = OnlineRefund.objects.get()
    sent = stripe.refunds_for(payment.provider_ref)
    assert len(sent) == 1 and refund.status == RefundStatus.DONE and refund.provider_ref == sent[0]["id"]
    payment.refresh_from_db()
    assert payment.status == OnlinePaymentStatus.REFUNDED and refund.credit.total == Decimal("-49.00")


def test_a_refund_stripe_did_not_make_is_sent_again_under_a_new_key_once_and_only_once(world, shop, stripe):
    payment = paid(shop, stripe)
    payment_refund(payment=payment, amount=Decimal("49.00"), reason="Cancelled", actor=staff(world))
    stripe.fail_next("500")
    stripe.fail_next("500")  # both keys of the first attempt fail: the delivery is retried with the backoff
    run_worker()
    assert OnlineRefund.objects.get().status == RefundStatus.REQUESTED
    from kernel.events import dispatch

    for _ in range(3):
        dispatch(now=timezone.now() + dt.timedelta(hours=7))

    refund = OnlineRefund.objects.get()
    assert refund.status == RefundStatus.DONE
    assert [r["metadata"] for r in stripe.refunds_for(payment.provider_ref)] == [{"reference": refund.stamp}]
    keys = [c["headers"]["idempotency-key"] for c in stripe.requests if c["path"] == "/v1/refunds"
            and c["method"] == "POST"]
    assert keys == [refund.stamp, f"{refund.stamp}-retry-1", refund.stamp, f"{refund.stamp}-retry-1",
                    f"{refund.stamp}-retry-2"]


# -- staff decisions ---------------------------------------------------------------------------------------------


def missed_by_the_client(payment: OnlinePayment) -> OnlinePayment:
    """The client did not come (booking's own transition is not billing's to call; the state is what matters)."""
    Appointment.objects.filter(pk=payment.appointment_id).update(state=AppointmentState.NO_SHOW)
    payment.refresh_from_db()
    return payment


def test_a_deposit_is_kept_only_after_the_booking_was_cancelled_or_missed(world, shop, stripe):
    deposit = paid(shop, stripe, PolicyKind.DEPOSIT, deposit_amount=Decimal("20"))
    with pytest.raises(Conflict) as kept_early:
        payment_keep(payment=deposit, actor=staff(world))
    assert kept_early.value.code == "payment_booking_stands"
    deposit.refresh_from_db()
    assert deposit.status == OnlinePaymentStatus.PAID
    assert payment_keep(payment=missed_by_the_client(deposit), actor=staff(world)).status == OnlinePaymentStatus.KEPT


def test_the_no_show_fee_is_charged_only_after_the_booking_was_cancelled_or_missed(world, shop, stripe):
    guarantee = paid(shop, stripe, PolicyKind.CARD_GUARANTEE, no_show_fee=Decimal("30.00"))
    with pytest.raises(Conflict) as charged_early:
        fee_charge(payment=guarantee, actor=staff(world))
    assert charged_early.value.code == "payment_booking_stands"
    assert not OnlinePayment.objects.filter(kind=OnlinePaymentKind.NO_SHOW_FEE).exists()
    assert not any(r["path"] == "/v1/payment_intents" for r in stripe.requests)  # nothing was charged

    fee = fee_charge(payment=missed_by_the_client(guarantee), actor=staff(world))
    assert fee.status == OnlinePaymentStatus.PAID


def test_keep_marks_the_payment_kept_for_staff_only(world, shop, stripe):
    payment = missed_by_the_client(paid(shop, stripe, PolicyKind.DEPOSIT, deposit_amount=Decimal("20")))
    with pytest.raises(Forbidden):
        payment_keep(payment=payment, actor=Actor(kind="client"))
    kept = payment_keep(payment=payment, actor=staff(world))

    assert kept.status == OnlinePaymentStatus.KEPT and kept.sale_id == payment.sale_id
    assert EventRecord.objects.filter(name="billing.online_payment_kept").count() == 1
    with pytest.raises(Conflict):
        payment_keep(payment=kept, actor=staff(world))


def test_fee_is_charged_off_session_to_the_saved_card_with_a_receipt(world, shop, stripe):
    guarantee = missed_by_the_client(paid(shop, stripe, PolicyKind.CARD_GUARANTEE, no_show_fee=Decimal("30.00")))
    assert guarantee.status == OnlinePaymentStatus.PAID and guarantee.payment_method_ref.startswith("pm_")
    assert guarantee.sale_id is None  # saving a card is not a sale

    fee = fee_charge(payment=guarantee, actor=staff(world))

    assert fee.kind == OnlinePaymentKind.NO_SHOW_FEE and fee.status == OnlinePaymentStatus.PAID
    assert fee.amount == Decimal("30.00") and fee.appointment_id == guarantee.appointment_id
    intent = stripe.payment_intents[fee.provider_ref]
    assert intent["amount"] == 3000 and intent["customer"] == guarantee.customer_ref
    assert fee.sale.total == Decimal("30.00")
    assert SaleTender.objects.get(sale=fee.sale).reference == fee.provider_ref
    with pytest.raises(Conflict) as twice:
        fee_charge(payment=guarantee, actor=staff(world))
    assert twice.value.code == "payment_fee_twice"


def test_a_declined_fee_is_failed_and_can_be_tried_again_with_another_amount(world, shop, stripe):
    guarantee = missed_by_the_client(paid(shop, stripe, PolicyKind.CARD_GUARANTEE))
    with pytest.raises(Conflict) as no_fee:
        fee_charge(payment=guarantee, actor=staff(world))
    assert no_fee.value.code == "payment_no_fee"
    stripe.fail_next("declined")
    failed = fee_charge(payment=guarantee, actor=staff(world), amount=Decimal("25.00"))
    assert failed.status == OnlinePaymentStatus.FAILED and failed.sale_id is None
    second = fee_charge(payment=guarantee, actor=staff(world), amount=Decimal("25.00"))
    assert second.status == OnlinePaymentStatus.PAID and second.stamp != failed.stamp


def test_fee_needs_a_saved_card(world, shop, stripe):
    payment = paid(shop, stripe)
    with pytest.raises(Conflict) as refused:
        fee_charge(payment=payment, actor=staff(world), amount=Decimal("10"))
    assert refused.value.code == "payment_no_card"


def test_fee_after_a_timeout_reuses_its_idempotency_key(world, shop, stripe):
    guarantee = missed_by_the_client(paid(shop, stripe, PolicyKind.CARD_GUARANTEE, no_show_fee=Decimal("30.00")))
    stripe.fail_next("timeout")
    with pytest.raises(Conflict) as unreachable:
        fee_charge(payment=guarantee, actor=staff(world))
    assert unreachable.value.code == "payment_gateway"
    assert not OnlinePayment.objects.filter(kind=OnlinePaymentKind.NO_SHOW_FEE).exists()
    fee = fee_charge(payment=guarantee, actor=staff(world))
    keys = [urllib.parse.unquote(r["headers"].get("idempotency-key", "")) for r in stripe.requests
            if r["path"] == "/v1/payment_intents"]
    assert fee.status == OnlinePaymentStatus.PAID and set(keys) == {fee.stamp}


def test_out_of_order_notifications_do_not_undo_a_payment(world, shop, stripe):
    payment = paid(shop, stripe)
    stale = stripe.event("checkout.session.expired", {**stripe.session_for(payment.stamp), "status": "expired"})
    body, headers = stripe.signed(stale)
    notification = gateway("stripe").settle(method="POST", query={}, body=body,
                                            headers={name.lower(): value for name, value in headers.items()})
    assert notification.status == PaymentStatus.FAILED
    payment_settle(notification=notification, gateway="stripe")
    payment.refresh_from_db()
    assert payment.status == OnlinePaymentStatus.PAID and payment.sale_id is not None
    assert not EventRecord.objects.filter(name="billing.online_payment_failed").exists()


def test_a_refund_the_gateway_refuses_is_failed_with_its_code_for_staff(world, shop, stripe):
    payment = paid(shop, stripe)
    refund = payment_refund(payment=payment, amount=Decimal("49.00"), reason="Cancelled", actor=staff(world))
    stripe.fail_next("400")
    run_worker()
    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == RefundStatus.FAILED and refund.failure_code.startswith("stripe:")
    assert refund.credit_id is None and payment.status == OnlinePaymentStatus.PAID
    assert EventRecord.objects.filter(name="billing.online_refund_failed").count() == 1
    again = payment_refund(payment=payment, amount=Decimal("49.00"), reason="Second try", actor=staff(world))
    run_worker()
    again.refresh_from_db()
    assert again.status == RefundStatus.DONE and len(stripe.refunds_for(payment.provider_ref)) == 1
