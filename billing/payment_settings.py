"""The owner's online payment settings (issue 18): which gateways the organization uses, and what a booking asks.

A gateway is offered by the deployment (settings.PAYMENT_GATEWAYS with its credentials, never in the database);
connecting one is the owner's choice to take payments through it (`GatewayConnection`). A policy says what a
booking of a service asks for (the organization's default when `service` is None): nothing, the full price, a
deposit (an amount or a percentage of the price) or a card on file as a guarantee of the no-show fee, and until
when a cancellation is free. Its wording is written in the organization's default language (`text`) and, like a
service's name, in each other language of the booking page (`translations`); its `version` goes up whenever any
language's wording or its terms change, so each payment records exactly what the customer accepted.

A policy other than "no payment" needs a connected gateway, and a card guarantee one that keeps a card on file
(Stripe); a gateway cannot be disconnected while a policy still needs it. Each change is one transaction with
its audit row and its event.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from importlib import import_module

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing import gateways
from billing.events import GatewayConnectionChanged, PaymentPolicyRemoved, PaymentPolicySaved
from billing.gateways.base import GatewayError
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
from billing.online_payments import MISSED_STATES
from kernel.audit import Actor, record
from kernel.events import publish
from kernel.models import AuditAction
from tenancy.models import Organization
from tilli.errors import Conflict, ErrorCode, Invalid, NotFound
from tilli.lib.text import text_problem
from tilli.lib.translated import clean_translated

MAX_AMOUNT = Decimal("99999999.99")
MAX_HOURS = 24 * 60  # two months
MAX_TEXT = 4000
TERMS = ("kind", "deposit_amount", "deposit_percent", "no_show_fee", "free_cancellation_hours", "text",
         "translations")

# The company behind each gateway, as the privacy notice names it, and its role towards the payer's data: a
# payment institution licensed in its own right decides how it processes payment data (anti-money-laundering,
# fraud, its own accounting), so each is an independent controller, not our processor.
PROVIDERS: dict[str, dict[str, str | bool]] = {
    "stripe": {"label": "Stripe", "company": "Stripe Payments Europe Ltd", "country": "IE", "is_processor": False},
    "paytrail": {"label": "Paytrail", "company": "Paytrail Oyj", "country": "FI", "is_processor": False},
    "przelewy24": {"label": "Przelewy24", "company": "PayPro S.A. (Przelewy24)", "country": "PL",
                   "is_processor": False},
}

# What each gateway offers the customer, shown to the owner when choosing.
GATEWAY_OFFERS = {
    "stripe": gettext_lazy("Cards, Apple Pay and Google Pay; can keep a card on file as a no-show guarantee."),
    "paytrail": gettext_lazy("Finnish online banks, MobilePay and cards."),
    "przelewy24": gettext_lazy("BLIK, Polish online banks and cards."),
}


class PaymentSettingsError(ErrorCode):
    BAD_KIND = "bad_policy_kind", Invalid  # not one of PolicyKind
    DEPOSIT_MISSING = "deposit_missing", Invalid  # a deposit policy without an amount or a percentage
    DEPOSIT_BOTH = "deposit_amount_and_percent", Invalid  # both an amount and a percentage
    BAD_PERCENT = "bad_deposit_percent", Invalid  # outside 1..100
    BAD_AMOUNT = "bad_amount", Invalid  # not a positive amount in whole cents
    BAD_FEE = "bad_fee", Invalid  # a negative fee or not whole cents
    FEE_MISSING = "fee_missing", Invalid  # a card guarantee guarantees no fee
    BAD_HOURS = "bad_cancellation_hours", Invalid  # not a whole number of hours in range
    TEXT_TOO_LONG = "policy_text_too_long", Invalid
    BAD_TEXT = "bad_policy_text", Invalid  # control characters, direction overrides, only invisible characters
    BAD_TRANSLATIONS = "bad_policy_translations", Invalid  # not {"text": {language: text}}
    LANGUAGE_NOT_OFFERED = "policy_language_not_offered", Invalid  # not a language of the booking page
    NO_GATEWAY = "no_gateway_connected", Invalid  # a policy asks for payment but no gateway is connected
    NO_CARD_GATEWAY = "no_card_gateway", Invalid  # a card guarantee needs a gateway that keeps cards on file
    GATEWAY_NOT_OFFERED = "gateway_not_offered", Invalid  # not in this deployment's PAYMENT_GATEWAYS
    GATEWAY_REFUSED = "gateway_refused", Conflict  # the gateway refused our credentials when connecting
    GATEWAY_IN_USE = "gateway_in_use", Conflict  # a policy still needs the gateway being disconnected
    NOT_OURS = "not_found", NotFound  # a service or connection of another organization


# Selectors ------------------------------------------------------------------------------------------------------

def payments_live() -> bool:
    """Whether the deployment's gateway credentials move real money (otherwise every payment is a test)."""
    return bool(settings.PAYMENTS_LIVE)


def gateway_class(name: str):
    """The gateway's class, or None while its module is not installed (it is imported, not configured)."""
    try:
        return import_module(f"billing.gateways.{name}").GATEWAY
    except (ImportError, AttributeError):
        return None


def supports_card_on_file(name: str) -> bool:
    cls = gateway_class(name)
    return bool(cls is not None and getattr(cls, "supports_card_on_file", False))


def connections_of(organization: Organization) -> QuerySet[GatewayConnection]:
    return GatewayConnection.objects.for_organization(organization).order_by("gateway")


def connected_gateways(organization: Organization) -> list[str]:
    """The gateways the organization has connected that this deployment still offers, in the settings' order."""
    connected = set(connections_of(organization).filter(enabled=True).values_list("gateway", flat=True))
    return [name for name in gateways.enabled() if name in connected]


def gateway_choices(organization: Organization) -> list[dict]:
    """Each gateway the deployment offers, with whether the organization uses it (for the settings page)."""
    rows = {c.gateway: c for c in connections_of(organization)}
    return [{"name": name, "label": PROVIDERS[name]["label"], "company": PROVIDERS[name]["company"],
             "offers": GATEWAY_OFFERS[name], "card_on_file": supports_card_on_file(name),
             "connection": rows.get(name) if rows.get(name) is not None and rows[name].enabled else None}
            for name in gateways.enabled()]


def default_policy(organization: Organization) -> PaymentPolicy | None:
    return PaymentPolicy.objects.for_organization(organization).filter(service=None).first()


def service_policies(organization: Organization) -> QuerySet[PaymentPolicy]:
    return (PaymentPolicy.objects.for_organization(organization).exclude(service=None).select_related("service")
            .order_by("service__name", "pk"))


def policy_of_service(organization: Organization, service) -> PaymentPolicy | None:
    """The service's own policy (None: it follows the organization's default)."""
    return PaymentPolicy.objects.for_organization(organization).filter(service=service).first()


def with_policies(organization: Organization, services) -> list[tuple[object, PaymentPolicy | None]]:
    """Each of `services` (booking's, read by the caller) with its own policy, or None where the default applies."""
    own = {p.service_id: p for p in service_policies(organization)}
    return [(service, own.get(service.pk)) for service in services]

_DECIDABLE = (OnlinePaymentKind.PREPAYMENT, OnlinePaymentKind.DEPOSIT, OnlinePaymentKind.CARD_SETUP)
AWAITING_DECISION = "decision"  # the list's filter beside the statuses


def awaiting_decision(payments: QuerySet[OnlinePayment]) -> QuerySet[OnlinePayment]:
    """Paid bookings that were cancelled late or not attended and wait for staff: keep the deposit, refund it, or
    charge the no-show fee to the saved card. A cancellation inside the free window is refunded by itself (its
    refund is on its way), so it is not here; neither is a guarantee whose fee was charged already."""
    late = (Q(appointment__state="no_show") | Q(free_cancellation_until=None)
            | Q(appointment__transitions__to_state="cancelled",
                appointment__transitions__at__gt=F("free_cancellation_until")))
    open_refund = OnlineRefund.objects.filter(payment=OuterRef("pk")).exclude(status=RefundStatus.FAILED)
    fee = OnlinePayment.objects.filter(organization=OuterRef("organization"), appointment=OuterRef("appointment"),
                                       kind=OnlinePaymentKind.NO_SHOW_FEE).exclude(status=OnlinePaymentStatus.FAILED)
    return (payments.filter(status=OnlinePaymentStatus.PAID, kind__in=_DECIDABLE, appointment__state__in=MISSED_STATES)
            .filter(late).exclude(Exists(open_refund)).exclude(Exists(fee)).distinct())


def payment_search(organization: Organization, *, status: str = "", kind: str = "", gateway: str = "",
                   since=None, until=None) -> QuerySet[OnlinePayment]:
    """The organization's online payments for the staff list, newest first; payments kept only for accounting after
    the client's erasure (restricted) are not among them."""
    rows = (OnlinePayment.objects.for_organization(organization).filter(restricted_until=None)
            .select_related("appointment", "appointment__service").order_by("-created_at", "-pk"))
    if status == AWAITING_DECISION:
        rows = awaiting_decision(rows)
    elif status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    if gateway:
        rows = rows.filter(gateway=gateway)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    return rows


def refunds_of(payment: OnlinePayment) -> QuerySet[OnlineRefund]:
    return OnlineRefund.objects.filter(organization_id=payment.organization_id, payment=payment).order_by(
        "requested_at", "pk")


def fees_for(payment: OnlinePayment) -> QuerySet[OnlinePayment]:
    """The no-show fees charged against the booking of a card guarantee."""
    if payment.appointment_id is None or payment.kind != OnlinePaymentKind.CARD_SETUP:
        return OnlinePayment.objects.none()
    return OnlinePayment.objects.filter(organization_id=payment.organization_id, appointment_id=payment.appointment_id,
                                        kind=OnlinePaymentKind.NO_SHOW_FEE).order_by("created_at", "pk")


# Services -------------------------------------------------------------------------------------------------------

def _money(value, error: PaymentSettingsError, message: str, *, positive: bool) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise Invalid(error, message) from None
    if not amount.is_finite() or amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")) \
            or amount < 0 or (positive and amount == 0):
        raise Invalid(error, message)
    return amount.quantize(Decimal("0.01"))


def _percent(value) -> Decimal | None:
    message = _("Enter a deposit percentage from 1 to 100.")
    if value is None or value == "":
        return None
    try:
        percent = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise Invalid(PaymentSettingsError.BAD_PERCENT, message) from None
    if not percent.is_finite() or percent < 1 or percent > 100 or percent != percent.quantize(Decimal("0.01")):
        raise Invalid(PaymentSettingsError.BAD_PERCENT, message)
    return percent.quantize(Decimal("0.01"))


def _hours(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_HOURS:
        raise Invalid(PaymentSettingsError.BAD_HOURS,
                      _("Enter the free cancellation time in whole hours, from 0 to %(max)s.") % {"max": MAX_HOURS})
    return value


def _terms(*, organization: Organization, kind: str, deposit_amount, deposit_percent, no_show_fee,
           free_cancellation_hours, text: str, translations) -> dict:
    """The checked terms of a policy, or the first refusal."""
    if kind not in PolicyKind.values:
        raise Invalid(PaymentSettingsError.BAD_KIND, _("Choose what a booking asks for."))
    amount = _money(deposit_amount, PaymentSettingsError.BAD_AMOUNT,
                    _("Enter a deposit of more than zero in whole cents."), positive=True)
    percent = _percent(deposit_percent)
    fee = _money(no_show_fee, PaymentSettingsError.BAD_FEE, _("Enter a fee of zero or more in whole cents."),
                 positive=False)
    hours = _hours(free_cancellation_hours)
    text = "" if text is None else text.strip() if isinstance(text, str) else text
    if not isinstance(text, str):
        raise Invalid(PaymentSettingsError.BAD_TEXT, _("Write the policy as text."))
    if len(text) > MAX_TEXT:
        raise Invalid(PaymentSettingsError.TEXT_TOO_LONG,
                      _("Keep the policy text under %(max)s characters.") % {"max": MAX_TEXT})
    if text and (problem := text_problem(text)):
        raise Invalid(PaymentSettingsError.BAD_TEXT, problem)
    translated = _translations(organization, translations, text)
    if kind == PolicyKind.DEPOSIT:
        if amount is not None and percent is not None:
            raise Invalid(PaymentSettingsError.DEPOSIT_BOTH,
                          _("Give the deposit either as an amount or as a percentage, not both."))
        if amount is None and percent is None:
            raise Invalid(PaymentSettingsError.DEPOSIT_MISSING,
                          _("Give the deposit as an amount or as a percentage of the price."))
    else:
        amount = percent = None  # only a deposit has these
    if kind == PolicyKind.CARD_GUARANTEE and not fee:
        raise Invalid(PaymentSettingsError.FEE_MISSING,
                      _("A card guarantee needs the late cancellation and no-show fee it guarantees."))
    if kind == PolicyKind.NONE:
        fee = None
    if kind != PolicyKind.NONE:
        connected = connected_gateways(organization)
        if not connected:
            raise Invalid(PaymentSettingsError.NO_GATEWAY,
                          _("Connect a payment gateway first: a booking cannot be paid without one."))
        if kind == PolicyKind.CARD_GUARANTEE and not any(supports_card_on_file(name) for name in connected):
            raise Invalid(PaymentSettingsError.NO_CARD_GATEWAY,
                          _("A card guarantee needs a gateway that can keep a card on file (Stripe)."))
    return {"kind": kind, "deposit_amount": amount, "deposit_percent": percent, "no_show_fee": fee,
            "free_cancellation_hours": hours, "text": text, "translations": translated}


TRANSLATION_REFUSALS = {"language": PaymentSettingsError.LANGUAGE_NOT_OFFERED,
                        "too_long": PaymentSettingsError.TEXT_TOO_LONG, "text": PaymentSettingsError.BAD_TEXT}


def _translations(organization: Organization, translations, text: str) -> dict:
    """{"text": {language: wording}} in the booking page's languages other than the default one (whose wording is
    `text`), checked as a service's names are; {} when there are none. A default-language entry is the same as
    `text` or refused, so the two cannot disagree."""
    if translations is None:
        return {}
    if not isinstance(translations, dict) or set(translations) - {"text"}:
        raise Invalid(PaymentSettingsError.BAD_TRANSLATIONS,
                      _("Give the policy's translations as {\"text\": {\"sv\": \"…\"}}."))
    try:
        wording = clean_translated(translations.get("text", {}), offered=organization.public_language_codes,
                                   default_language=organization.default_language, max_length=MAX_TEXT)
    except ValidationError as error:
        code = TRANSLATION_REFUSALS.get(error.code, PaymentSettingsError.BAD_TRANSLATIONS)
        if code == PaymentSettingsError.TEXT_TOO_LONG:
            raise Invalid(code, _("Keep the policy text under %(max)s characters.") % {"max": MAX_TEXT}) from None
        raise Invalid(code, error.messages[0]) from None
    default = wording.pop(organization.default_language, None)
    if default is not None and default != text:
        raise Invalid(PaymentSettingsError.BAD_TRANSLATIONS,
                      _("Write the policy in the default language in its own field, not among the translations."))
    return {"text": wording} if wording else {}


@transaction.atomic
def policy_save(*, organization: Organization, service=None, kind: str,
                deposit_amount: Decimal | None, deposit_percent: Decimal | None, no_show_fee: Decimal | None,
                free_cancellation_hours: int, text: str, actor: Actor,
                translations: dict | None = None) -> PaymentPolicy:
    """Set the organization's default policy (`service` None) or a service's own; the version goes up with any change
    of wording (in any language) or terms, so a payment made earlier still names the terms its customer accepted.

    `text` is the wording in the organization's default language; `translations` ({"text": {language: wording}})
    the other languages of the booking page; a language left out has none (its readers get the default wording)."""
    if service is not None and service.organization_id != organization.pk:
        raise NotFound(PaymentSettingsError.NOT_OURS, _("Not found."))
    terms = _terms(organization=organization, kind=kind, deposit_amount=deposit_amount,
                   deposit_percent=deposit_percent, no_show_fee=no_show_fee,
                   free_cancellation_hours=free_cancellation_hours, text=text, translations=translations)
    policy = (PaymentPolicy.objects.select_for_update().for_organization(organization)
              .filter(service=service).first())
    created = policy is None
    if created:
        policy = PaymentPolicy(organization=organization, service=service, version=1)
    changed = [name for name in TERMS if created or getattr(policy, name) != terms[name]]
    if not changed:
        return policy
    for name, value in terms.items():
        setattr(policy, name, value)
    if not created:
        policy.version += 1
    policy.save()
    record(organization=organization, actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE,
           obj=policy, changed_fields=changed,
           detail={"kind": policy.kind, "version": policy.version, "service": service.pk if service else None})
    publish(PaymentPolicySaved(organization_id=organization.pk, policy_id=policy.pk,
                               service_id=service.pk if service else None))
    return policy


@transaction.atomic
def policy_remove(*, organization: Organization, service, actor: Actor) -> None:
    """The service follows the organization's default again (payments already made keep their own wording)."""
    if service.organization_id != organization.pk:
        raise NotFound(PaymentSettingsError.NOT_OURS, _("Not found."))
    policy = PaymentPolicy.objects.for_organization(organization).filter(service=service).first()
    if policy is None:
        return
    record(organization=organization, actor=actor, action=AuditAction.DELETE, obj=policy,
           detail={"service": service.pk, "version": policy.version})
    policy.delete()
    publish(PaymentPolicyRemoved(organization_id=organization.pk, service_id=service.pk))


@transaction.atomic
def gateway_connect(*, organization: Organization, gateway: str, actor: Actor) -> GatewayConnection:
    """Take online payments through `gateway`, one this deployment offers. A gateway that can check our credentials
    (Przelewy24's testAccess) is asked first, so a wrong merchant id or key shows here, not at a customer's payment."""
    if gateway not in gateways.enabled():
        raise Invalid(PaymentSettingsError.GATEWAY_NOT_OFFERED,
                      _("This payment gateway is not available on this service."))
    cls = gateway_class(gateway)
    if cls is not None and hasattr(cls, "test_access"):
        try:
            accepted, code = gateways.gateway(gateway).test_access() is not False, f"{gateway}:access-refused"
        except GatewayError as error:
            accepted, code = False, error.code
        if not accepted:
            raise Conflict(PaymentSettingsError.GATEWAY_REFUSED,
                           _("The payment gateway did not accept the connection (%(code)s). Check the gateway's "
                             "settings with your service provider.") % {"code": code})
    connection = (GatewayConnection.objects.select_for_update().for_organization(organization)
                  .filter(gateway=gateway).first())
    if connection is not None and connection.enabled:
        return connection
    created = connection is None
    connection = connection or GatewayConnection(organization=organization, gateway=gateway)
    connection.enabled, connection.connected_at = True, timezone.now()
    connection.connected_by_user_id = actor.user_id
    connection.save()
    record(organization=organization, actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE,
           obj=connection, changed_fields=["enabled", "connected_at"],
           detail={"gateway": gateway, "live": payments_live()})
    publish(GatewayConnectionChanged(organization_id=organization.pk, connection_id=connection.pk, kind="connected"))
    return connection


@transaction.atomic
def gateway_disconnect(*, connection: GatewayConnection, actor: Actor) -> GatewayConnection:
    """Stop taking new payments through the gateway; payments already made stay refundable through it.

    Refused while a policy still needs it: the remaining gateways must cover every policy that asks for payment."""
    organization = connection.organization
    connection = GatewayConnection.objects.select_for_update().get(pk=connection.pk)
    if not connection.enabled:
        return connection
    remaining = [name for name in connected_gateways(organization) if name != connection.gateway]
    policies = PaymentPolicy.objects.for_organization(organization).exclude(kind=PolicyKind.NONE)
    needs_card = policies.filter(kind=PolicyKind.CARD_GUARANTEE).exists()
    if (policies.exists() and not remaining) or (needs_card and not any(supports_card_on_file(n) for n in remaining)):
        raise Conflict(PaymentSettingsError.GATEWAY_IN_USE,
                       _("A payment policy still needs this gateway: change the policies to no payment (or connect "
                         "another gateway) first."))
    connection.enabled = False
    connection.save(update_fields=["enabled"])
    record(organization=organization, actor=actor, action=AuditAction.UPDATE, obj=connection,
           changed_fields=["enabled"], detail={"gateway": connection.gateway})
    publish(GatewayConnectionChanged(organization_id=organization.pk, connection_id=connection.pk,
                                     kind="disconnected"))
    return connection
