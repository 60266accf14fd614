"""Booking with an online payment (issue 18): where booking and billing meet (they do not import each other).

`book_online_with_payment` holds the time (booking.online, PENDING until `hold_until`) and creates the payment
(billing.online_payments) in one transaction; after the commit the gateway is asked for its hosted page. If the
gateway cannot start the payment, the hold is released at once and the visitor sees why; nothing stays booked.

The reactions, in the worker:
- the payment was confirmed → the appointment is booked (its confirmation, which says what was paid, goes out).
  If the hold lapsed meanwhile, the same time is booked again when it is still free; when someone else took it,
  the payment is refunded in full automatically.
- the payment failed (the payer cancelled, the gateway refused) → the held time is freed at once.
- the appointment was cancelled → a payment still open is marked lapsed; a paid one is refunded in full when the
  cancellation came inside the free-cancellation window; a late one waits for the staff's decision (keep the
  payment, refund it, or charge the no-show fee: billing.online_payments, from the owner's pages).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from billing.events import OnlinePaymentFailed, OnlinePaymentPaid
from booking.events import AppointmentCancelled, AppointmentMoved
from kernel.audit import Actor
from kernel.events import subscriber
from kernel.models import ActorKind
from tilli.errors import Conflict

SYSTEM = "online payment"


def _url(name: str, stamp: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[stamp])


def payment_request(payment, *, service, organization, email: str, language: str):
    from billing.gateways.base import PaymentRequest
    from billing.online_payments import minor, notify_url

    return PaymentRequest(
        reference=payment.stamp, amount_minor=minor(payment.amount), currency=payment.currency,
        description=f"{service.name}, {organization.name}"[:200], email=email, language=language or "en",
        country=organization.country or "FI", return_url=_url("pay:return", payment.stamp),
        cancel_url=_url("pay:cancel", payment.stamp), notify_url=notify_url(payment.gateway))


def book_online_with_payment(*, organization, service, staff, start: datetime, person: dict, wishes: str = "",
                             marketing_email: bool = False, marketing_sms: bool = False, ip: str = "",
                             language: str = "", hold_minutes: int | None = None):
    """Hold the time and start its payment; returns (appointment, payment, the hosted page's URL).

    Raises the booking's refusals (ValidationError per field, SlotTaken) with nothing held, and Conflict
    (PaymentError.NO_GATEWAY / GATEWAY) when the payment cannot be made, with the hold already released."""
    from billing.gateways import gateway
    from billing.gateways.base import GatewayError
    from billing.models import OnlinePaymentKind
    from billing.online_payments import (
        PaymentError,
        amount_due,
        gateway_for,
        payment_create,
        payment_fail,
        payment_started,
        policy_for,
    )
    from booking.holds import HOLD_MINUTES, hold_until, release_hold
    from booking.online import book_online

    policy = policy_for(service)
    due = amount_due(policy, service)
    name = gateway_for(organization, card_on_file=due is not None and due[0] == OnlinePaymentKind.CARD_SETUP)
    if due is None or name is None:
        raise Conflict(PaymentError.NO_GATEWAY, _("Online payment is not available for this service right now. "
                                                  "Please contact us to book."))
    actor = Actor(kind=ActorKind.CLIENT, ip=ip)
    until = hold_until(hold_minutes or HOLD_MINUTES)
    with transaction.atomic():
        appointment = book_online(organization=organization, service=service, staff=staff, start=start,
                                  person=person, wishes=wishes, marketing_email=marketing_email,
                                  marketing_sms=marketing_sms, ip=ip, language=language, hold_until=until)
        payment = payment_create(organization=organization, appointment=appointment, policy=policy, gateway=name,
                                 actor=actor, hold_until=until, language=language)
    request = payment_request(payment, service=service, organization=organization, email=person.get("email", ""),
                              language=language)
    try:
        provider = gateway(name)
        checkout = (provider.start_card_setup(request) if payment.kind == OnlinePaymentKind.CARD_SETUP
                    else provider.start(request))
    except GatewayError as error:
        payment_fail(payment=payment, code=error.code, actor=actor)
        release_hold(appointment=appointment, actor=actor, reason="payment could not start")
        raise Conflict(PaymentError.GATEWAY, _("The payment could not be started, so the time was not booked. "
                                               "Please try again in a moment.")) from None
    payment = payment_started(payment=payment, checkout=checkout)
    return appointment, payment, checkout.redirect_url


def paid_note(appointment, language: str) -> str:
    """The confirmation's line about the online payment of this booking ("" when nothing was paid online)."""
    from billing.models import OnlinePaymentKind, OnlinePaymentStatus
    from billing.online_payments import payment_of_appointment

    payment = payment_of_appointment(appointment)
    if payment is None or payment.status not in (OnlinePaymentStatus.PAID, OnlinePaymentStatus.PARTLY_REFUNDED):
        return ""
    with translation.override(language):
        if payment.kind == OnlinePaymentKind.CARD_SETUP:
            return "\n\n" + _("Your card was saved as a guarantee for this booking; nothing was charged.")
        if payment.kind == OnlinePaymentKind.DEPOSIT:
            text = _("Deposit paid online: %(amount)s %(currency)s.")
        else:
            text = _("Paid online: %(amount)s %(currency)s.")
        return "\n\n" + text % {"amount": payment.amount, "currency": payment.currency}


# -- reactions ---------------------------------------------------------------------------------------------------


@subscriber(OnlinePaymentPaid)
def book_the_paid_time(event: OnlinePaymentPaid) -> None:
    """The payment arrived: book the held time; if the hold lapsed, book the same time again when it is free,
    else give the money back."""
    from billing.models import OnlinePayment, OnlinePaymentKind
    from billing.online_payments import payment_rebooked, payment_refund, refundable
    from booking.holds import appointment_paid
    from booking.models import Appointment, Channel
    from booking.services import appointment_book

    payment = OnlinePayment.objects.filter(organization_id=event.organization_id, pk=event.payment_id).first()
    if payment is None or payment.kind == OnlinePaymentKind.NO_SHOW_FEE or payment.appointment_id is None:
        return
    appointment = Appointment.objects.select_related("service", "client").get(pk=payment.appointment_id)
    actor = Actor.system(SYSTEM)
    try:
        with transaction.atomic():
            appointment_paid(appointment=appointment, actor=actor)
        return
    except Conflict:
        pass  # the hold lapsed (or was cancelled) before the payment arrived
    try:
        with transaction.atomic():
            again = appointment_book(service=appointment.service, start=appointment.start, client=appointment.client,
                                     channel=Channel.ONLINE, actor=actor, staff=appointment.staff,
                                     wishes=appointment.wishes)
            payment_rebooked(payment=payment, appointment=again)
        return
    except ValidationError:
        pass  # taken by someone else (SlotTaken), or no longer bookable online (too close, say): refund
    payment.refresh_from_db()
    left = refundable(payment)
    if left > 0:
        payment_refund(payment=payment, amount=left, reason=_refund_reason("taken"), actor=actor)


def _refund_reason(why: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        if why == "taken":
            return _("The payment arrived after the time was no longer held, and the time was taken.")
        return _("Cancelled within the free cancellation period.")


@subscriber(OnlinePaymentFailed)
def free_the_held_time(event: OnlinePaymentFailed) -> None:
    from billing.models import OnlinePaymentKind
    from booking.holds import release_hold
    from booking.models import Appointment

    if event.kind == OnlinePaymentKind.NO_SHOW_FEE or event.appointment_id is None:
        return
    appointment = Appointment.objects.filter(organization_id=event.organization_id, pk=event.appointment_id).first()
    if appointment is not None:
        release_hold(appointment=appointment, actor=Actor.system(SYSTEM), reason="payment failed")


@subscriber(AppointmentCancelled)
def settle_the_cancelled_payment(event: AppointmentCancelled) -> None:
    """A held time lapsed or was freed: its open payment is LAPSED. A paid booking cancelled inside the free
    cancellation window is refunded in full; a late one waits for the staff's decision."""
    from billing.models import OnlinePaymentKind, OnlinePaymentStatus
    from billing.online_payments import OPEN, payment_lapse, payment_of_appointment, payment_refund, refundable
    from booking.models import Appointment, AppointmentState, AppointmentTransition

    appointment = Appointment.objects.filter(organization_id=event.organization_id, pk=event.appointment_id).first()
    payment = payment_of_appointment(appointment)
    if payment is None:
        return
    transition = (AppointmentTransition.objects.filter(appointment=appointment, to_state=AppointmentState.CANCELLED)
                  .order_by("-at", "-pk").values_list("at", "from_state").first())
    if payment.status in OPEN:
        payment_lapse(payment=payment)
        return
    if transition is None or transition[1] == AppointmentState.PENDING:
        return  # a hold freed while its payment was arriving: book_the_paid_time books again or refunds
    if payment.status != OnlinePaymentStatus.PAID or payment.kind == OnlinePaymentKind.CARD_SETUP:
        return
    cancelled = transition[0]
    if payment.free_cancellation_until is None or cancelled > payment.free_cancellation_until:
        return  # late: staff decide (keep, refund, or the fee)
    left = refundable(payment)
    if left > 0:
        payment_refund(payment=payment, amount=left, reason=_refund_reason("in time"), actor=Actor.system(SYSTEM))


@subscriber(AppointmentMoved)
def move_the_free_cancellation_window(event: AppointmentMoved) -> None:
    from billing.online_payments import payment_follow_move, payment_of_appointment
    from booking.models import Appointment

    appointment = Appointment.objects.filter(organization_id=event.organization_id, pk=event.appointment_id).first()
    payment = payment_of_appointment(appointment)
    if payment is not None:
        payment_follow_move(payment=payment)
