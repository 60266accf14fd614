"""Paid online payments for the staff pages' and the API's tests: a real payment made at the local Stripe double
(the hosted page's Pay, then the verified return), so refunds and fees go through the gateway for real."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from billing.gateways import gateway
from billing.gateways.base import PaymentRequest
from billing.gateways.doubles.stripe import StripeDouble
from billing.models.online import GatewayConnection, OnlinePayment, PaymentPolicy, PolicyKind
from billing.online_payments import payment_create, payment_settle, payment_started
from billing.tests.checkout_kit import make_counter
from booking.models import AppointmentState, Channel
from booking.selectors import free_slots
from booking.services import appointment_book, appointment_transition
from clients.services import client_create
from kernel.audit import Actor

SYSTEM = Actor.system("test")


@contextmanager
def stripe_double() -> Iterator[StripeDouble]:
    with StripeDouble() as double, override_settings(**double.settings(), PAYMENT_GATEWAY_TIMEOUT=2):
        yield double
        assert double.errors == []


def shop(world, organization=None):
    counter = make_counter(world, organization=organization, open_till=False)
    GatewayConnection.objects.get_or_create(organization=counter.org, gateway="stripe",
                                            defaults={"connected_at": timezone.now()})
    return counter


def paid_payment(counter, double: StripeDouble, *, kind: str = PolicyKind.DEPOSIT, days: int = 2,
                 **terms) -> OnlinePayment:
    """A booking of the counter's service paid (or its card saved) at the Stripe double under a new policy."""
    terms.setdefault("deposit_amount", "20.00" if kind == PolicyKind.DEPOSIT else None)
    if kind == PolicyKind.CARD_GUARANTEE:
        terms.setdefault("no_show_fee", "30.00")
    policy, _ = PaymentPolicy.objects.update_or_create(
        organization=counter.org, service=None,
        defaults={"kind": kind, "text": "Deposit kept on a late cancellation or a no-show.", **terms})
    with transaction.atomic():
        client = client_create(organization=counter.org, actor=SYSTEM, first_name="Aino", last_name="Virta",
                               email="aino@example.test")
    day = timezone.localdate() + dt.timedelta(days=days)
    start = free_slots(counter.service, day, day + dt.timedelta(days=7))[0].start
    appointment = appointment_book(service=counter.service, start=start, client=client, channel=Channel.PHONE,
                                   actor=SYSTEM)
    payment = payment_create(organization=counter.org, appointment=appointment, policy=policy, gateway="stripe",
                             actor=SYSTEM)
    request = PaymentRequest(reference=payment.stamp, amount_minor=int(payment.amount * 100),
                             currency=payment.currency, description="Service", email="aino@example.test",
                             language="fi", country="FI", return_url="https://tilli.example/pay/return/x/",
                             cancel_url="https://tilli.example/pay/cancel/x/", notify_url="https://tilli.example/n/")
    stripe = gateway("stripe")
    checkout = stripe.start_card_setup(request) if kind == PolicyKind.CARD_GUARANTEE else stripe.start(request)
    payment_started(payment=payment, checkout=checkout)
    double.complete(checkout.provider_ref)
    payment_settle(notification=stripe.settle(method="GET", query={"session_id": checkout.provider_ref}, headers={},
                                              body=b""), gateway="stripe")
    payment.refresh_from_db()
    return payment


def no_show(payment: OnlinePayment) -> None:
    appointment_transition(appointment=payment.appointment, to_state=AppointmentState.NO_SHOW, actor=SYSTEM)
    payment.refresh_from_db()
