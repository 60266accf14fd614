"""Online payments (issue 18): what a booking asks for under its policy, the payment's life at the gateway, the
receipts and credit receipts it leaves, and the staff decisions after a late cancellation or a no-show.

Every write is a service: keyword-only, one transaction, one audit row, its events published in it. The gateway
is called outside our transactions where a customer waits (starting a payment: notify.prepayment does it after
the hold commits), and inside the worker's delivery for refunds (`refund_send`, retried with the event backoff
while the gateway's error is retryable; the refund's stamp is the idempotency key, so a retry never refunds
twice). Billing does not import booking: the appointment is reached through the payment's foreign key.

Amounts and currencies come from our rows, never from a browser: a notification whose amount or currency does
not match the payment is refused and logged by its code only. A notification's event id is remembered
(GatewayNotice) and a replay changes nothing.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from billing.events import (
    OnlinePaymentCreated,
    OnlinePaymentFailed,
    OnlinePaymentKept,
    OnlinePaymentLapsed,
    OnlinePaymentPaid,
    OnlineRefundDone,
    OnlineRefundFailed,
    OnlineRefundRequested,
)
from billing.gateways import gateway as gateway_named
from billing.gateways.base import Checkout, GatewayError, Notification, PaymentStatus
from billing.models import (
    GatewayConnection,
    GatewayNotice,
    LineKind,
    OnlinePayment,
    OnlinePaymentKind,
    OnlinePaymentStatus,
    OnlineRefund,
    PaymentPolicy,
    PolicyKind,
    RefundStatus,
    Sale,
    TenderMethod,
)
from billing.sales import LineInput, RefundLine, TenderInput, currency_of, sale_complete, sale_refund
from kernel.audit import Actor, record
from kernel.events import publish, subscriber
from kernel.models import AuditAction
from tenancy.models import Organization
from tilli.errors import Conflict, ErrorCode, Forbidden, Invalid
from tilli.lib.translated import pick

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
REFUNDABLE = (OnlinePaymentStatus.PAID, OnlinePaymentStatus.PARTLY_REFUNDED, OnlinePaymentStatus.KEPT)
OPEN = (OnlinePaymentStatus.STARTED, OnlinePaymentStatus.PENDING)
SYSTEM = "online payment"


class PaymentError(ErrorCode):
    NO_GATEWAY = "payment_no_gateway", Conflict  # the organization takes no online payments (or none is enabled)
    WRONG_STATE = "payment_wrong_state", Conflict
    AMOUNT = "payment_amount", Invalid
    REFUND_TOO_MUCH = "payment_refund_too_much", Conflict
    REASON = "payment_reason", Invalid
    NO_CARD = "payment_no_card", Conflict
    NO_FEE = "payment_no_fee", Conflict
    FEE_TWICE = "payment_fee_twice", Conflict
    GATEWAY = "payment_gateway", Conflict  # the gateway could not be reached or refused the request
    MISMATCH = "payment_mismatch", Conflict  # a notification's amount or currency is not the payment's
    UNKNOWN = "payment_unknown", Conflict  # a notification about a payment Tilli does not have
    STAFF_ONLY = "payment_staff_only", Forbidden
    BOOKING_STANDS = "payment_booking_stands", Conflict  # keep or charge a fee only after a late cancel or no-show


# -- selectors ---------------------------------------------------------------------------------------------------


def payments_of(organization: Organization, status: str | None = None) -> QuerySet[OnlinePayment]:
    """The organization's online payments, newest first; only those in `status` when given."""
    rows = (OnlinePayment.objects.filter(organization=organization)
            .select_related("client", "appointment", "appointment__service").order_by("-created_at", "-pk"))
    return rows.filter(status=status) if status else rows


def payment_of_appointment(appointment) -> OnlinePayment | None:
    """The payment the appointment was booked with (prepayment, deposit or card guarantee), the newest if several;
    a no-show fee charged later is not it."""
    if appointment is None or appointment.pk is None:
        return None
    return (OnlinePayment.objects.filter(organization_id=appointment.organization_id, appointment_id=appointment.pk)
            .exclude(kind=OnlinePaymentKind.NO_SHOW_FEE).order_by("-created_at", "-pk").first())


def payments_by_appointment(organization: Organization, appointment_ids) -> dict[int, OnlinePayment]:
    """{appointment id: the payment it was booked with} for a list of appointments (the portal's rows)."""
    found: dict[int, OnlinePayment] = {}
    rows = (OnlinePayment.objects.filter(organization=organization, appointment_id__in=list(appointment_ids))
            .exclude(kind=OnlinePaymentKind.NO_SHOW_FEE).order_by("created_at", "pk"))
    for payment in rows:
        found[payment.appointment_id] = payment  # the newest wins
    return found


def fees_of_appointment(appointment) -> QuerySet[OnlinePayment]:
    return OnlinePayment.objects.filter(organization_id=appointment.organization_id, appointment_id=appointment.pk,
                                        kind=OnlinePaymentKind.NO_SHOW_FEE).order_by("created_at", "pk")


def payment_by_stamp(stamp: str) -> OnlinePayment | None:
    """The payment with this stamp (the public flow's URLs carry it; it is random and not guessable)."""
    if not stamp or len(stamp) > 40:
        return None
    return OnlinePayment.objects.select_related("organization", "appointment", "appointment__service",
                                                "client").filter(stamp=stamp).first()


def policy_for(service) -> PaymentPolicy | None:
    """The policy a booking of `service` is made under: its own, else the organization's default; None when
    neither asks for a payment."""
    policy = (PaymentPolicy.objects.filter(organization_id=service.organization_id, service_id=service.pk).first()
              or PaymentPolicy.objects.filter(organization_id=service.organization_id, service=None).first())
    if policy is None or policy.kind == PolicyKind.NONE:
        return None
    return policy


def gateway_for(organization: Organization, *, card_on_file: bool = False) -> str | None:
    """The gateway the organization takes payments through: its first enabled connection the deployment offers
    (with `card_on_file`, one that can save a card as a guarantee)."""
    from importlib import import_module

    from billing.gateways import enabled

    offered = enabled()
    names = GatewayConnection.objects.filter(organization=organization, enabled=True).order_by(
        "connected_at", "pk").values_list("gateway", flat=True)
    for name in names:
        if name in offered and (not card_on_file or
                                import_module(f"billing.gateways.{name}").GATEWAY.supports_card_on_file):
            return name
    return None


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def minor(amount: Decimal) -> int:
    """Minor units (cents, grosze) of an amount in the currency's main unit (both currencies have two decimals)."""
    return int((cents(amount) * 100).to_integral_value())


def policy_wording(policy: PaymentPolicy, language: str) -> str:
    """The policy's wording in `language`, else in the organization's default language (`text`), as a service's
    name is shown: what the customer reads before paying, and what their payment stores as accepted."""
    translations = policy.translations if isinstance(policy.translations, dict) else {}
    return pick(translations.get("text"), language, "", policy.text)


def amount_due(policy: PaymentPolicy | None, service) -> tuple[str, Decimal] | None:
    """(OnlinePaymentKind, amount) a booking of `service` pays under `policy`; None when nothing is asked.

    Prepayment: the price. Deposit: the fixed amount or the percentage of the price, never more than the price.
    Card guarantee: nothing now (the card is saved; a no-show fee may be charged later)."""
    if policy is None or policy.kind == PolicyKind.NONE:
        return None
    price = cents(service.price or ZERO)
    if policy.kind == PolicyKind.PREPAYMENT:
        return (OnlinePaymentKind.PREPAYMENT, price) if price > 0 else None
    if policy.kind == PolicyKind.DEPOSIT:
        if policy.deposit_amount:
            amount = cents(policy.deposit_amount)
        else:
            amount = cents(price * Decimal(policy.deposit_percent or 0) / 100)
        amount = min(amount, price)
        return (OnlinePaymentKind.DEPOSIT, amount) if amount > 0 else None
    return OnlinePaymentKind.CARD_SETUP, ZERO


def refundable(payment: OnlinePayment) -> Decimal:
    """What can still be refunded: paid, less what is refunded or on its way back."""
    if payment.status not in REFUNDABLE:
        return ZERO
    asked = (OnlineRefund.objects.filter(payment=payment)
             .exclude(status__in=(RefundStatus.FAILED, RefundStatus.DONE)).aggregate(s=Sum("amount"))["s"] or ZERO)
    return max(payment.amount - payment.refunded - asked, ZERO)


def notify_url(gateway: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("pay:notify", args=[gateway])


def _stamp() -> str:
    return secrets.token_hex(16)


def _event(event_type, payment: OnlinePayment, **extra):
    return event_type(organization_id=payment.organization_id, payment_id=payment.pk,
                      appointment_id=payment.appointment_id, kind=payment.kind, **extra)


def _audit(payment: OnlinePayment | OnlineRefund, actor: Actor, action: str, fields, detail=None, client=None):
    return record(organization=payment.organization, actor=actor, action=action, obj=payment,
                  subject_ref=client.subject_ref if client is not None else None, changed_fields=fields,
                  detail=detail)


def _locked(payment: OnlinePayment) -> OnlinePayment:
    return (OnlinePayment.objects.select_for_update(of=("self",)).select_related("organization", "client")
            .get(organization_id=payment.organization_id, pk=payment.pk))


# -- creating and starting a payment -----------------------------------------------------------------------------


@transaction.atomic
def payment_create(*, organization: Organization, appointment, policy: PaymentPolicy, gateway: str, actor: Actor,
                   hold_until: datetime | None = None, language: str = "") -> OnlinePayment:
    """The payment a held appointment waits for, under `policy` (its version and its wording in `language`, the
    language the customer read it in, are stored with it); the amount is worked out here from the service's price,
    never taken from the visitor."""
    if appointment.organization_id != organization.pk or policy.organization_id != organization.pk:
        raise Invalid(PaymentError.WRONG_STATE, _("Choose an appointment of this organization."))
    due = amount_due(policy, appointment.service)
    if due is None:
        raise Conflict(PaymentError.AMOUNT, _("This service asks for no payment when booking."))
    kind, amount = due
    free_until = appointment.start - timedelta(hours=policy.free_cancellation_hours)
    payment = OnlinePayment.objects.create(
        organization=organization, stamp=_stamp(), gateway=gateway, kind=kind, client=appointment.client,
        appointment=appointment, amount=amount, currency=currency_of(organization),
        test_mode=not settings.PAYMENTS_LIVE, policy_text=policy_wording(policy, language),
        policy_version=policy.version,
        free_cancellation_until=free_until, hold_until=hold_until, created_at=timezone.now())
    _audit(payment, actor, AuditAction.CREATE, ["amount", "kind", "gateway"],
           {"kind": kind, "gateway": gateway}, client=appointment.client)
    publish(_event(OnlinePaymentCreated, payment))
    return payment


@transaction.atomic
def payment_started(*, payment: OnlinePayment, checkout: Checkout) -> OnlinePayment:
    """The gateway created the payment: its reference is kept and the payment is in progress."""
    locked = _locked(payment)
    if locked.status != OnlinePaymentStatus.STARTED:
        return locked  # settled already (a fast notification) or failed: nothing to add
    locked.provider_ref, locked.status = checkout.provider_ref[:120], OnlinePaymentStatus.PENDING
    locked.save(update_fields=["provider_ref", "status"])
    _audit(locked, Actor.system(SYSTEM), AuditAction.UPDATE, ["provider_ref", "status"], client=locked.client)
    return locked


@transaction.atomic
def payment_fail(*, payment: OnlinePayment, code: str, actor: Actor | None = None) -> OnlinePayment:
    """The payment cannot go on (the gateway refused to start it, or the payer cancelled): FAILED with a code."""
    locked = _locked(payment)
    if locked.status not in OPEN:
        return locked
    locked.status, locked.failure_code = OnlinePaymentStatus.FAILED, code[:100]
    locked.save(update_fields=["status", "failure_code"])
    _audit(locked, actor or Actor.system(SYSTEM), AuditAction.UPDATE, ["status"], {"code": code[:100]},
           client=locked.client)
    publish(_event(OnlinePaymentFailed, locked))
    return locked


@transaction.atomic
def payment_lapse(*, payment: OnlinePayment) -> OnlinePayment:
    """The appointment's hold lapsed before the payment arrived: LAPSED (a payment arriving later is still taken
    and then either books the time again or is refunded: notify.prepayment)."""
    locked = _locked(payment)
    if locked.status not in (*OPEN, OnlinePaymentStatus.FAILED):
        return locked
    locked.status = OnlinePaymentStatus.LAPSED
    locked.save(update_fields=["status"])
    _audit(locked, Actor.system(SYSTEM), AuditAction.UPDATE, ["status"], client=locked.client)
    publish(_event(OnlinePaymentLapsed, locked))
    return locked


@transaction.atomic
def payment_rebooked(*, payment: OnlinePayment, appointment) -> OnlinePayment:
    """A payment that arrived after its hold lapsed booked the same time again: it now belongs to that booking."""
    locked = _locked(payment)
    if appointment.organization_id != locked.organization_id:
        raise Invalid(PaymentError.WRONG_STATE, _("Choose an appointment of this organization."))
    locked.appointment, locked.hold_until = appointment, None
    locked.save(update_fields=["appointment", "hold_until"])
    _audit(locked, Actor.system(SYSTEM), AuditAction.UPDATE, ["appointment"], client=locked.client)
    return locked


@transaction.atomic
def payment_follow_move(*, payment: OnlinePayment) -> OnlinePayment:
    """The appointment moved: its free-cancellation window moves with it (the service's policy's hours before the
    new start)."""
    locked = _locked(payment)
    appointment = locked.appointment
    if appointment is None or locked.free_cancellation_until is None:
        return locked
    policy = policy_for(appointment.service)
    hours = policy.free_cancellation_hours if policy is not None else 0
    until = appointment.start - timedelta(hours=hours)
    if until == locked.free_cancellation_until:
        return locked
    locked.free_cancellation_until = until
    locked.save(update_fields=["free_cancellation_until"])
    _audit(locked, Actor.system(SYSTEM), AuditAction.UPDATE, ["free_cancellation_until"], client=locked.client)
    return locked


# -- notifications -----------------------------------------------------------------------------------------------


def _first_time(gateway: str, notification: Notification, organization_id: int) -> bool:
    """Remember the notification's event id; False when it was seen before (a replay)."""
    try:
        with transaction.atomic():
            GatewayNotice.objects.create(organization_id=organization_id, gateway=gateway,
                                         event_id=notification.event_id[:200], received_at=timezone.now())
    except IntegrityError:
        return False
    return True


def _receipt(payment: OnlinePayment) -> Sale:
    """The receipt of a payment: the service (prepayment), a deposit line for it, or the fee; paid online with
    the provider's reference. Written without the appointment, so the sale does not complete the visit."""
    appointment = payment.appointment
    service = appointment.service if appointment is not None else None
    if payment.kind == OnlinePaymentKind.NO_SHOW_FEE or service is None:
        vat_percent = service.vat_rate if service is not None else Decimal("0")
        line = LineInput(kind=LineKind.FREE, unit_price=payment.amount, vat_percent=vat_percent,
                         description=pgettext("receipt line", "No-show or late cancellation fee"))
    elif payment.kind == OnlinePaymentKind.DEPOSIT:
        line = LineInput(kind=LineKind.SERVICE, service=service, unit_price=payment.amount,
                         description=pgettext("receipt line", "Deposit: %(service)s") % {"service": service.name})
    else:
        line = LineInput(kind=LineKind.SERVICE, service=service, unit_price=payment.amount)
    location = appointment.location if appointment is not None else None
    if location is None:
        from django.apps import apps

        location = apps.get_model("booking", "Location").objects.filter(
            organization_id=payment.organization_id).order_by("pk").first()
    client = payment.client
    if client is not None and client.is_restricted:
        client = None  # kept only for accounting: the receipt stands without the payer's name, and is not mailed
    email = client.email if client is not None else ""
    return sale_complete(organization=payment.organization, location=location, lines=[line],
                         tenders=[TenderInput(method=TenderMethod.ONLINE, amount=payment.amount,
                                              reference=payment.provider_ref[:100])],
                         actor=Actor.system(SYSTEM), client=client, email_to=email or "")


def _mark_paid(locked: OnlinePayment, notification: Notification) -> OnlinePayment:
    locked.status, locked.paid_at, locked.failure_code = OnlinePaymentStatus.PAID, timezone.now(), ""
    fields = ["status", "paid_at", "failure_code"]
    if locked.kind == OnlinePaymentKind.CARD_SETUP:
        locked.payment_method_ref = notification.provider_ref[:120]
        locked.customer_ref = notification.customer_ref[:120]
        fields += ["payment_method_ref", "customer_ref"]
    elif notification.provider_ref:
        locked.provider_ref = notification.provider_ref[:120]
        fields.append("provider_ref")
    locked.save(update_fields=fields)
    if locked.kind != OnlinePaymentKind.CARD_SETUP and locked.amount > 0:
        locked.sale = _receipt(locked)
        locked.save(update_fields=["sale"])
    _audit(locked, Actor.system(SYSTEM), AuditAction.UPDATE, ["status", "paid_at"],
           {"gateway": locked.gateway}, client=locked.client)
    publish(_event(OnlinePaymentPaid, locked))
    return locked


@transaction.atomic
def payment_settle(*, notification: Notification, gateway: str) -> OnlinePayment | OnlineRefund | None:
    """Act on a verified notification (or verified return) from `gateway`; returns the payment or refund it was
    about (unchanged for a replay or a notification that changes nothing).

    Raises Conflict (PaymentError.UNKNOWN / MISMATCH) for a payment Tilli does not know or whose amount or
    currency differ from ours: refused and logged by the code only."""
    if notification.is_refund:
        return _settle_refund(notification, gateway)
    found = OnlinePayment.objects.filter(stamp=notification.reference, gateway=gateway).first()
    if found is None:
        logger.warning("online payment notification refused: %s:unknown", gateway)
        raise Conflict(PaymentError.UNKNOWN, _("No such payment."))
    locked = _locked(found)
    if notification.status == PaymentStatus.PAID and locked.kind != OnlinePaymentKind.CARD_SETUP and (
            notification.amount_minor != minor(locked.amount) or notification.currency.upper() != locked.currency):
        logger.warning("online payment notification refused: %s:amount-mismatch", gateway)
        raise Conflict(PaymentError.MISMATCH, _("The payment's amount does not match."))
    if not _first_time(gateway, notification, locked.organization_id):
        return locked  # a replay: acted on already
    if notification.status == PaymentStatus.PAID:
        if locked.status in (*OPEN, OnlinePaymentStatus.FAILED, OnlinePaymentStatus.LAPSED):
            return _mark_paid(locked, notification)
        return locked  # paid already (the return and the webhook both say so)
    if notification.status == PaymentStatus.FAILED and locked.status in OPEN:
        locked.status, locked.failure_code = OnlinePaymentStatus.FAILED, f"{gateway}:failed"
        locked.save(update_fields=["status", "failure_code"])
        _audit(locked, Actor.system(SYSTEM), AuditAction.UPDATE, ["status"], {"code": f"{gateway}:failed"},
               client=locked.client)
        publish(_event(OnlinePaymentFailed, locked))
    elif notification.status == PaymentStatus.PENDING and locked.status == OnlinePaymentStatus.STARTED:
        locked.status = OnlinePaymentStatus.PENDING
        locked.save(update_fields=["status"])
        _audit(locked, Actor.system(SYSTEM), AuditAction.UPDATE, ["status"], client=locked.client)
    return locked


def _settle_refund(notification: Notification, gateway: str) -> OnlineRefund:
    found = OnlineRefund.objects.filter(stamp=notification.reference, payment__gateway=gateway).first()
    if found is None:
        logger.warning("online refund notification refused: %s:unknown", gateway)
        raise Conflict(PaymentError.UNKNOWN, _("No such refund."))
    refund = OnlineRefund.objects.select_for_update().select_related("payment").get(pk=found.pk)
    if not _first_time(gateway, notification, refund.organization_id):
        return refund
    if refund.status in (RefundStatus.DONE, RefundStatus.FAILED):
        return refund
    if notification.status == PaymentStatus.REFUNDED:
        return _refund_done(refund, notification.provider_ref)
    if notification.status in (PaymentStatus.REFUND_FAILED, PaymentStatus.FAILED):
        return _refund_failed(refund, f"{gateway}:refund-failed")
    return refund


# -- refunds -----------------------------------------------------------------------------------------------------


@transaction.atomic
def payment_refund(*, payment: OnlinePayment, amount: Decimal, reason: str, actor: Actor) -> OnlineRefund:
    """Refund `amount` of a paid payment through its gateway: the refund is REQUESTED here and sent by the worker
    (retried while the gateway cannot be reached); when the gateway has done it, the credit receipt is written and
    the payment becomes REFUNDED or PARTLY_REFUNDED."""
    locked = _locked(payment)
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise Invalid(PaymentError.REASON, _("Write why the money is given back, in at most 200 characters."))
    try:
        amount = Decimal(amount)
    except (TypeError, ValueError, ArithmeticError):
        raise Invalid(PaymentError.AMOUNT, _("Enter the amount to refund.")) from None
    if not amount.is_finite() or amount <= 0 or amount != cents(amount):
        raise Invalid(PaymentError.AMOUNT, _("Enter the amount to refund: more than zero, in cents at most."))
    if locked.status not in REFUNDABLE or locked.kind == OnlinePaymentKind.CARD_SETUP:
        raise Conflict(PaymentError.WRONG_STATE, _("Only a paid payment can be refunded."))
    left = refundable(locked)
    if amount > left:
        raise Conflict(PaymentError.REFUND_TOO_MUCH, _("At most %(left)s %(currency)s can still be refunded.") % {
            "left": left, "currency": locked.currency})
    refund = OnlineRefund.objects.create(
        organization=locked.organization, payment=locked, stamp=_stamp(), amount=amount, reason=reason,
        requested_at=timezone.now(), requested_by_user_id=actor.user_id)
    _audit(refund, actor, AuditAction.CREATE, ["amount", "reason"], {"payment": locked.pk}, client=locked.client)
    publish(_event(OnlineRefundRequested, locked, refund_id=refund.pk))
    return refund


def _as_notification(payment: OnlinePayment) -> Notification:
    return Notification(reference=payment.stamp, provider_ref=payment.provider_ref, status=PaymentStatus.PAID,
                        amount_minor=minor(payment.amount), currency=payment.currency, event_id="")


def _credit(refund: OnlineRefund, payment: OnlinePayment) -> Sale | None:
    """The credit receipt of `refund`: the paid receipt's line, as much of it as the refund gives back."""
    if payment.sale_id is None:
        return None
    sale = Sale.objects.get(organization_id=payment.organization_id, pk=payment.sale_id)
    line = sale.lines.order_by("position").first()
    from billing.sales import credited

    done_quantity, done_total, _v, _d = credited(line)
    left_total = line.total - done_total
    if refund.amount >= left_total:
        quantity, amount = line.quantity - done_quantity, left_total
    else:
        quantity = (line.quantity * refund.amount / line.total).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
        quantity = max(quantity, Decimal("0.001"))
        amount = cents(line.total * quantity / line.quantity)
    return sale_refund(sale=sale, lines=[RefundLine(line=line, quantity=quantity)],
                       tenders=[TenderInput(method=TenderMethod.ONLINE, amount=amount,
                                            reference=(refund.provider_ref or refund.stamp)[:100])],
                       actor=Actor.system(SYSTEM), reason=refund.reason, online=True)


def _refund_done(refund: OnlineRefund, provider_ref: str) -> OnlineRefund:
    payment = _locked(refund.payment)
    refund.status, refund.done_at = RefundStatus.DONE, timezone.now()
    refund.provider_ref = (provider_ref or refund.provider_ref)[:120]
    refund.credit = _credit(refund, payment)
    refund.save(update_fields=["status", "done_at", "provider_ref", "credit"])
    payment.refunded = payment.refunded + refund.amount
    payment.status = (OnlinePaymentStatus.REFUNDED if payment.refunded >= payment.amount
                      else OnlinePaymentStatus.PARTLY_REFUNDED)
    payment.save(update_fields=["refunded", "status"])
    _audit(refund, Actor.system(SYSTEM), AuditAction.UPDATE, ["status", "credit"], {"payment": payment.pk},
           client=payment.client)
    publish(_event(OnlineRefundDone, payment, refund_id=refund.pk))
    return refund


def _refund_failed(refund: OnlineRefund, code: str) -> OnlineRefund:
    refund.status, refund.failure_code = RefundStatus.FAILED, code[:100]
    refund.save(update_fields=["status", "failure_code"])
    payment = refund.payment
    _audit(refund, Actor.system(SYSTEM), AuditAction.UPDATE, ["status"], {"code": code[:100]},
           client=payment.client)
    publish(_event(OnlineRefundFailed, payment, refund_id=refund.pk))
    return refund


@transaction.atomic
def refund_send(*, refund_id: int) -> OnlineRefund | None:
    """Send a requested refund to its gateway (in the worker). A retryable gateway error raises, so the delivery is
    retried with the event backoff (the refund's stamp is the idempotency key); any other refusal marks it FAILED
    for staff to see. A refund the gateway does at once is DONE with its credit receipt; one it reports later
    waits (PENDING) for the notification."""
    refund = (OnlineRefund.objects.select_for_update(of=("self",)).select_related("payment", "organization")
              .filter(pk=refund_id).first())
    if refund is None or refund.status != RefundStatus.REQUESTED:
        return refund  # done, failed or sent already
    payment = refund.payment
    try:
        result = gateway_named(payment.gateway).refund(
            payment=_as_notification(payment), amount_minor=minor(refund.amount), reference=refund.stamp,
            notify_url=notify_url(payment.gateway))
    except GatewayError as error:
        if error.retryable:
            logger.warning("online refund to retry: %s", error.code)
            raise
        return _refund_failed(refund, error.code)
    if result.status == PaymentStatus.REFUNDED:
        return _refund_done(refund, result.provider_ref)
    if result.status in (PaymentStatus.REFUND_FAILED, PaymentStatus.FAILED):
        refund.provider_ref = result.provider_ref[:120]
        return _refund_failed(refund, f"{payment.gateway}:refund-failed")
    refund.status, refund.provider_ref = RefundStatus.PENDING, result.provider_ref[:120]
    refund.save(update_fields=["status", "provider_ref"])
    _audit(refund, Actor.system(SYSTEM), AuditAction.UPDATE, ["status", "provider_ref"], client=payment.client)
    return refund


@subscriber(OnlineRefundRequested)
def send_the_refund(event: OnlineRefundRequested) -> None:
    refund_send(refund_id=event.refund_id)


# -- staff decisions after a late cancellation or a no-show -------------------------------------------------------

# A booking's state, named as booking names it (billing reads appointments through the ORM, never booking's code).
MISSED_STATES = ("cancelled", "no_show")


def missed(payment: OnlinePayment) -> bool:
    """Whether the payment's booking was cancelled or not attended: only then may staff keep the payment under the
    policy or charge the no-show fee (a refund is always possible). A payment whose appointment is gone counts."""
    return payment.appointment is None or payment.appointment.state in MISSED_STATES


def _refuse_while_booked(payment: OnlinePayment) -> None:
    if not missed(payment):
        raise Conflict(PaymentError.BOOKING_STANDS, _("The booking still stands: a payment is kept, or the no-show "
                                                      "fee charged, only after a cancellation or a no-show."))


def _staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise Forbidden(PaymentError.STAFF_ONLY, _("Only staff can decide about a payment."))


@transaction.atomic
def payment_keep(*, payment: OnlinePayment, actor: Actor) -> OnlinePayment:
    """A late cancellation or a no-show: the paid prepayment or deposit is kept under the policy (KEPT); its
    receipt stands."""
    _staff(actor)
    locked = _locked(payment)
    if locked.status != OnlinePaymentStatus.PAID or locked.kind not in (OnlinePaymentKind.PREPAYMENT,
                                                                        OnlinePaymentKind.DEPOSIT):
        raise Conflict(PaymentError.WRONG_STATE, _("Only a paid prepayment or deposit can be kept."))
    _refuse_while_booked(locked)
    locked.status = OnlinePaymentStatus.KEPT
    locked.save(update_fields=["status"])
    _audit(locked, actor, AuditAction.UPDATE, ["status"], {"status": OnlinePaymentStatus.KEPT},
           client=locked.client)
    publish(_event(OnlinePaymentKept, locked))
    return locked


@transaction.atomic
def fee_charge(*, payment: OnlinePayment, actor: Actor, amount: Decimal | None = None) -> OnlinePayment:
    """Charge the no-show or late-cancellation fee to the card saved as the guarantee (`payment`, CARD_SETUP), off
    session: a NO_SHOW_FEE payment, PAID with its receipt, or FAILED with the gateway's code when the card is
    declined. The fee's stamp follows from the guarantee and the attempt, so a retry after a timeout carries the
    same idempotency key and cannot charge twice."""
    _staff(actor)
    locked = _locked(payment)
    if locked.kind != OnlinePaymentKind.CARD_SETUP or locked.status != OnlinePaymentStatus.PAID \
            or not locked.payment_method_ref:
        raise Conflict(PaymentError.NO_CARD, _("No card is saved for this booking."))
    _refuse_while_booked(locked)
    appointment = locked.appointment
    if amount is None:
        policy = policy_for(appointment.service) if appointment is not None else None
        amount = policy.no_show_fee if policy is not None else None
    if amount is None:
        raise Conflict(PaymentError.NO_FEE, _("The payment policy has no no-show fee: enter the amount."))
    try:
        amount = Decimal(amount)
    except (TypeError, ValueError, ArithmeticError):
        raise Invalid(PaymentError.AMOUNT, _("Enter the fee.")) from None
    if not amount.is_finite() or amount <= 0 or amount != cents(amount) or amount > Decimal("99999999"):
        raise Invalid(PaymentError.AMOUNT, _("Enter the fee: more than zero, in cents at most."))
    earlier = OnlinePayment.objects.filter(organization_id=locked.organization_id, appointment=appointment,
                                           kind=OnlinePaymentKind.NO_SHOW_FEE)
    if earlier.filter(status__in=(*REFUNDABLE, OnlinePaymentStatus.REFUNDED)).exists():
        raise Conflict(PaymentError.FEE_TWICE, _("The fee has already been charged for this booking."))
    fee = OnlinePayment.objects.create(
        organization=locked.organization, stamp=f"{locked.stamp[:32]}f{earlier.count() + 1}", gateway=locked.gateway,
        kind=OnlinePaymentKind.NO_SHOW_FEE, client=locked.client, appointment=appointment, amount=amount,
        currency=locked.currency, test_mode=locked.test_mode, policy_text=locked.policy_text,
        policy_version=locked.policy_version, created_at=timezone.now())
    try:
        result = gateway_named(locked.gateway).charge_card(
            customer_ref=locked.customer_ref, payment_method_ref=locked.payment_method_ref,
            amount_minor=minor(amount), currency=locked.currency, reference=fee.stamp,
            description=pgettext("payment description", "No-show fee"))
    except GatewayError as error:
        logger.warning("no-show fee not charged: %s", error.code)
        raise Conflict(PaymentError.GATEWAY, _("The payment service could not be reached. Try again in a moment."))\
            from None
    if result.status == PaymentStatus.PAID:
        fee.status, fee.paid_at, fee.provider_ref = OnlinePaymentStatus.PAID, timezone.now(), result.provider_ref[:120]
        fee.save(update_fields=["status", "paid_at", "provider_ref"])
        fee.sale = _receipt(fee)
        fee.save(update_fields=["sale"])
        event = OnlinePaymentPaid
    elif result.status == PaymentStatus.PENDING:
        fee.status, fee.provider_ref = OnlinePaymentStatus.PENDING, result.provider_ref[:120]
        fee.save(update_fields=["status", "provider_ref"])
        event = None
    else:
        fee.status, fee.provider_ref = OnlinePaymentStatus.FAILED, result.provider_ref[:120]
        fee.failure_code = f"{locked.gateway}:declined"
        fee.save(update_fields=["status", "provider_ref", "failure_code"])
        event = OnlinePaymentFailed
    _audit(fee, actor, AuditAction.CREATE, ["amount", "status"], {"status": fee.status, "guarantee": locked.pk},
           client=locked.client)
    if event is not None:
        publish(_event(event, fee))
    return fee
