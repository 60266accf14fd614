"""Booking with an online payment against the local Stripe double: the hold, the confirmation after the payment,
a gateway that cannot start, the hold that lapses, refunds inside the window, the late cancellation that waits for
staff, and the race "the payment arrives after the hold lapsed" with real threads and the real worker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from billing.gateways import gateway
from billing.gateways.doubles.stripe import StripeDouble
from billing.models import (
    GatewayConnection,
    OnlinePayment,
    OnlinePaymentStatus,
    OnlineRefund,
    PaymentPolicy,
    PolicyKind,
    RefundStatus,
)
from billing.online_payments import payment_settle
from billing.tests.checkout_kit import make_counter
from billing.tests.test_sales_concurrency import run_in_threads
from booking.holds import appointment_paid, lapse_holds
from booking.models import Appointment, AppointmentState
from booking.online import book_online, online_cancel
from booking.selectors import free_slots
from booking.services import appointment_transition
from kernel.audit import Actor
from kernel.models import ActorKind, EventRecord
from notify.models import Message
from notify.prepayment import book_online_with_payment
from tilli.errors import Conflict
from tilli.test import run_worker

PERSON = {"first_name": "Aino", "last_name": "Virta", "email": "aino@example.test", "phone": "040 123 4567"}
OTHER = {"first_name": "Eero", "last_name": "Koski", "email": "eero@example.test", "phone": "040 765 4321"}


@pytest.fixture
def stripe() -> Iterator[StripeDouble]:
    with StripeDouble() as double, override_settings(**double.settings(), PAYMENT_GATEWAY_TIMEOUT=1):
        yield double
        assert double.errors == []


@pytest.fixture
def shop(world):
    counter = make_counter(world, open_till=False)
    GatewayConnection.objects.create(organization=world.org, gateway="stripe", connected_at=timezone.now())
    PaymentPolicy.objects.create(organization=world.org, kind=PolicyKind.PREPAYMENT, free_cancellation_hours=24,
                                 text="Paid in advance. Free cancellation until 24 hours before.")
    return counter


def first_start(service, days=3):
    day = timezone.localdate() + dt.timedelta(days=days)
    return free_slots(service, day, day)[0].start


def hold(shop, start=None, person=PERSON):
    return book_online_with_payment(organization=shop.org, service=shop.service, staff=None,
                                    start=start or first_start(shop.service), person=person, ip="127.0.0.1",
                                    language="fi")


def pay(stripe, payment):
    """The customer presses Pay on the double's page and comes back: the verified return settles it."""
    session = stripe.session_for(payment.stamp)
    stripe.complete(session["id"])
    notification = gateway("stripe").settle(method="GET", query={"session_id": session["id"]}, headers={}, body=b"")
    return payment_settle(notification=notification, gateway="stripe")


def test_the_time_is_held_without_a_confirmation_until_the_payment_arrives(world, shop, stripe):
    appointment, payment, url = hold(shop)

    assert appointment.state == AppointmentState.PENDING and appointment.hold_until > timezone.now()
    assert payment.status == OnlinePaymentStatus.PENDING and payment.amount == Decimal("49.00")
    assert url == f"{stripe.url}/c/pay/{payment.provider_ref}"
    assert stripe.session_for(payment.stamp)["amount_total"] == 4900
    run_worker()
    assert not Message.objects.filter(appointment=appointment).exists()
    assert first_start(shop.service) != appointment.start  # nobody else can take the held time

    pay(stripe, payment)
    run_worker()
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.BOOKED and appointment.hold_until is None
    confirmation = Message.objects.get(appointment=appointment, kind="confirmed")
    assert "49.00 EUR" in confirmation.body


def test_a_gateway_that_cannot_start_releases_the_hold_at_once(world, shop, stripe):
    start = first_start(shop.service)
    stripe.fail_next("400")
    with pytest.raises(Conflict) as refused:
        hold(shop, start)
    assert refused.value.code == "payment_gateway"
    assert "try again" in refused.value.message.lower()
    appointment = Appointment.objects.get(organization=world.org)
    assert appointment.state == AppointmentState.CANCELLED
    assert OnlinePayment.objects.get().status == OnlinePaymentStatus.FAILED
    assert first_start(shop.service) == start
    run_worker()
    assert not Message.objects.filter(appointment=appointment, kind="cancelled").exists()


def test_no_policy_or_no_gateway_is_refused_with_nothing_booked(world, shop, stripe):
    GatewayConnection.objects.all().delete()
    with pytest.raises(Conflict) as refused:
        hold(shop)
    assert refused.value.code == "payment_no_gateway"
    assert not Appointment.objects.exists()


def test_an_unpaid_hold_lapses_and_its_payment_is_marked_lapsed_without_messages(world, shop, stripe):
    appointment, payment, _url = hold(shop)
    assert lapse_holds() == 0
    assert lapse_holds(now=timezone.now() + dt.timedelta(minutes=16)) == 1
    run_worker()
    appointment.refresh_from_db()
    payment.refresh_from_db()
    assert appointment.state == AppointmentState.CANCELLED
    assert appointment.transitions.filter(to_state="cancelled").get().reason == "payment not received"
    assert payment.status == OnlinePaymentStatus.LAPSED
    assert not Message.objects.filter(appointment=appointment).exists()


def test_a_booking_over_an_expired_hold_lapses_it_first(world, shop, stripe):
    appointment, _payment, _url = hold(shop)
    Appointment.objects.filter(pk=appointment.pk).update(hold_until=timezone.now() - dt.timedelta(seconds=1))
    other = book_online(organization=shop.org, service=shop.service, staff=None, start=appointment.start,
                        person=OTHER, ip="127.0.0.1", language="fi")
    appointment.refresh_from_db()
    assert other.state == AppointmentState.BOOKED and appointment.state == AppointmentState.CANCELLED


def test_cancelled_inside_the_window_is_refunded_in_full(world, shop, stripe):
    appointment, payment, _url = hold(shop)
    pay(stripe, payment)
    run_worker()
    appointment.refresh_from_db()
    online_cancel(appointment=appointment, actor=Actor(kind=ActorKind.CLIENT))
    run_worker()
    payment.refresh_from_db()
    refund = OnlineRefund.objects.get(payment=payment)
    assert refund.status == RefundStatus.DONE and refund.credit.total == Decimal("-49.00")
    assert payment.status == OnlinePaymentStatus.REFUNDED
    assert [r["amount"] for r in stripe.refunds_for(payment.provider_ref)] == [4900]


def test_a_late_cancellation_waits_for_the_staff_decision(world, shop, stripe):
    appointment, payment, _url = hold(shop, first_start(shop.service, days=1))
    pay(stripe, payment)
    run_worker()
    appointment.refresh_from_db()
    assert payment.appointment.start - timezone.now() < dt.timedelta(hours=48)
    OnlinePayment.objects.filter(pk=payment.pk).update(free_cancellation_until=timezone.now() - dt.timedelta(hours=1))
    appointment_transition(appointment=appointment, to_state=AppointmentState.CANCELLED,
                           actor=Actor(kind="user", user_id=world.owner.user_id, role="owner"))
    run_worker()
    payment.refresh_from_db()
    assert payment.status == OnlinePaymentStatus.PAID and not OnlineRefund.objects.exists()
    assert stripe.refunds_for(payment.provider_ref) == []


def test_a_payment_twice_confirmed_books_once(world, shop, stripe):
    appointment, payment, _url = hold(shop)
    pay(stripe, payment)
    run_worker()
    appointment_paid(appointment=appointment, actor=Actor.system("again"))
    assert EventRecord.objects.filter(name="booking.appointment_booked").count() == 1


# -- the race: the payment arrives after the hold lapsed ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_race_payment_after_the_lapse_books_the_time_again_when_free(world, shop, stripe):
    appointment, payment, _url = hold(shop)
    session = stripe.session_for(payment.stamp)
    stripe.complete(session["id"])
    notification = gateway("stripe").settle(method="GET", query={"session_id": session["id"]}, headers={}, body=b"")
    later = timezone.now() + dt.timedelta(minutes=16)
    Appointment.objects.filter(pk=appointment.pk).update(hold_until=timezone.now() - dt.timedelta(seconds=1))

    roles = iter(["lapse", "settle"])

    def action():
        if next(roles) == "lapse":
            return lapse_holds(now=later)
        return payment_settle(notification=notification, gateway="stripe")

    _results, errors = run_in_threads(2, action)
    assert errors == []
    run_worker()
    payment.refresh_from_db()
    booked = Appointment.objects.filter(organization=world.org, state=AppointmentState.BOOKED)
    assert booked.count() == 1 and booked.get().start == appointment.start
    assert payment.status == OnlinePaymentStatus.PAID and payment.appointment_id == booked.get().pk
    assert stripe.refunds_for(payment.provider_ref) == []
    assert Message.objects.filter(appointment=booked.get(), kind="confirmed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_race_payment_after_the_lapse_and_the_time_taken_is_refunded(world, shop, stripe):
    appointment, payment, _url = hold(shop)
    session = stripe.session_for(payment.stamp)
    stripe.complete(session["id"])
    notification = gateway("stripe").settle(method="GET", query={"session_id": session["id"]}, headers={}, body=b"")
    Appointment.objects.filter(pk=appointment.pk).update(hold_until=timezone.now() - dt.timedelta(seconds=1))

    roles = iter(["book", "settle"])

    def action():
        if next(roles) == "book":  # another visitor takes the time: the expired hold is lapsed first
            return book_online(organization=shop.org, service=shop.service, staff=None, start=appointment.start,
                               person=OTHER, ip="127.0.0.2", language="fi")
        return payment_settle(notification=notification, gateway="stripe")

    _results, errors = run_in_threads(2, action)
    assert errors == []
    run_worker()
    payment.refresh_from_db()
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.CANCELLED
    other = Appointment.objects.get(organization=world.org, state=AppointmentState.BOOKED)
    assert other.client.first_name == "Eero" and other.start == appointment.start
    assert payment.status == OnlinePaymentStatus.REFUNDED
    assert [r["amount"] for r in stripe.refunds_for(payment.provider_ref)] == [4900]
    refund = OnlineRefund.objects.get(payment=payment)
    assert refund.credit.total == Decimal("-49.00")


def test_a_card_guarantee_saves_the_card_and_books_with_nothing_charged(world, shop, stripe):
    PaymentPolicy.objects.filter(organization=world.org).update(kind=PolicyKind.CARD_GUARANTEE,
                                                                no_show_fee=Decimal("25.00"))
    appointment, payment, _url = hold(shop)
    assert payment.kind == "card_setup" and payment.amount == Decimal("0.00")
    assert stripe.session_for(payment.stamp)["mode"] == "setup"
    pay(stripe, payment)
    run_worker()
    payment.refresh_from_db()
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.BOOKED and payment.payment_method_ref.startswith("pm_")
    assert payment.sale_id is None
    body = Message.objects.get(appointment=appointment, kind="confirmed").body  # in the client's language
    assert body.endswith("\n\nKorttisi tallennettiin tämän varauksen takuuksi; mitään ei veloitettu.\n")


def test_a_card_guarantee_needs_a_gateway_that_keeps_cards(world, shop):
    from billing.gateways.doubles.paytrail import PaytrailDouble

    PaymentPolicy.objects.filter(organization=world.org).update(kind=PolicyKind.CARD_GUARANTEE)
    GatewayConnection.objects.filter(organization=world.org).update(gateway="paytrail")
    with PaytrailDouble() as paytrail, override_settings(**paytrail.settings()), \
            pytest.raises(Conflict) as refused:
        hold(shop)
    assert refused.value.code == "payment_no_gateway"
    assert not Appointment.objects.exists()


def test_moving_the_booking_moves_the_free_cancellation_window(world, shop, stripe):
    from booking.online import online_move

    appointment, payment, _url = hold(shop)
    pay(stripe, payment)
    run_worker()
    appointment.refresh_from_db()
    later = first_start(shop.service, days=6)
    online_move(appointment=appointment, start=later, actor=Actor(kind=ActorKind.CLIENT))
    run_worker()
    payment.refresh_from_db()
    assert payment.free_cancellation_until == later - dt.timedelta(hours=24)
