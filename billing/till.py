"""The till of a location: open with a float, cash in and out with a reason, close with a count.

Closing a session freezes its figures (the Z report) on the session and numbers it in the
organization's Z_REPORT series: the report reads the same later, whatever happens to the receipts
(a client's erasure restricts them; a sum names nobody, so they still count). The figures of an open
session (the X report) are computed the same way without closing.

Expected cash = float + cash tenders (net of change, the cash rounding included: what went into the
drawer) + cash in - cash out. The difference is counted minus expected: negative is cash missing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.events import CashMoved, TillClosed, TillOpened
from billing.models import (
    CashMovement,
    CashMovementKind,
    DocumentSeries,
    LineKind,
    Sale,
    SaleKind,
    SaleLine,
    SaleTender,
    Till,
    TillSession,
)
from billing.numbering import next_number
from kernel.audit import Actor, record
from kernel.events import publish
from kernel.models import AuditAction
from tenancy.models import Organization
from tilli.errors import Conflict, ErrorCode, Invalid, NotFound

ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("99999999.99")
# Lines that sell a liability, not a supply: a gift card's value is VAT-able when it is spent (a
# multi-purpose voucher), so its sale is reported beside the VAT table, not in it.
LIABILITY_KINDS = (LineKind.GIFT_CARD,)


class TillError(ErrorCode):
    ALREADY_OPEN = "till_already_open", Conflict  # the till has an open session
    NOT_OPEN = "till_not_open", Conflict  # the session was closed (maybe by someone else just now)
    BAD_AMOUNT = "bad_amount", Invalid  # not a positive amount of whole cents (or a negative float)
    NO_REASON = "no_reason", Invalid  # a cash movement needs a reason
    NO_TILL = "no_till", NotFound  # the location is not this organization's


def _currency(organization: Organization) -> str:
    return "PLN" if organization.country == "PL" else "EUR"


def _amount(value: Decimal, *, allow_zero: bool) -> Decimal:
    try:
        value = Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        raise Invalid(TillError.BAD_AMOUNT, _("Enter an amount in whole cents.")) from None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")) or value > MAX_AMOUNT:
        raise Invalid(TillError.BAD_AMOUNT, _("Enter an amount in whole cents."))
    if value < 0 or (value == 0 and not allow_zero):
        raise Invalid(TillError.BAD_AMOUNT, _("Enter an amount of more than zero."))
    return value.quantize(Decimal("0.01"))


def till_for_location(organization: Organization, location: models.Model) -> Till | None:
    """The location's till (the first in use), or None before it was first opened."""
    return (Till.objects.for_organization(organization).filter(location=location, is_active=True)
            .order_by("pk").first())


def open_session(till: Till | None) -> TillSession | None:
    if till is None:
        return None
    return TillSession.objects.for_organization(till.organization_id).filter(till=till, closed_at=None).first()


@transaction.atomic
def till_open(*, organization: Organization, location: models.Model, opening_float: Decimal, actor: Actor,
              note: str = "") -> TillSession:
    """Open the location's till (created on first use) with the float in the drawer."""
    if location.organization_id != organization.pk:
        raise NotFound(TillError.NO_TILL, _("Not found."))
    opening_float = _amount(opening_float, allow_zero=True)
    # Two openings of one location's till wait for each other here, also the very first (which creates the
    # till): otherwise both could create a till and each open its own.
    type(location).objects.select_for_update().filter(pk=location.pk).first()
    till = till_for_location(organization, location)
    if till is None:
        till = Till.objects.create(organization=organization, location=location, name=location.name[:100])
    if open_session(till) is not None:
        raise Conflict(TillError.ALREADY_OPEN, _("The till is already open."))
    try:
        with transaction.atomic():
            session = TillSession.objects.create(organization=organization, till=till, opened_at=timezone.now(),
                                                 opened_by_user_id=actor.user_id, opening_float=opening_float,
                                                 note=note[:300])
    except IntegrityError:  # the database's one-open-session constraint: someone else was faster
        raise Conflict(TillError.ALREADY_OPEN, _("The till is already open.")) from None
    record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=session,
           changed_fields=["opening_float"], detail={"till": till.pk})
    publish(TillOpened(organization_id=organization.pk, till_id=till.pk, session_id=session.pk))
    return session


def _locked_open(organization: Organization, session: TillSession) -> TillSession:
    locked = (TillSession.objects.for_organization(organization).select_for_update()
              .filter(pk=session.pk).first())
    if locked is None:
        raise NotFound(TillError.NO_TILL, _("Not found."))
    if locked.closed_at is not None:
        raise Conflict(TillError.NOT_OPEN, _("This till session is already closed."))
    return locked


@transaction.atomic
def cash_move(*, organization: Organization, session: TillSession, kind: str, amount: Decimal, reason: str,
              actor: Actor) -> CashMovement:
    """Cash put into (change from the bank) or taken out of (to the bank, a purchase) the open till."""
    if kind not in CashMovementKind.values:
        raise Invalid(TillError.BAD_AMOUNT, _("Choose cash in or cash out."))
    amount = _amount(amount, allow_zero=False)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(TillError.NO_REASON, _("Give a reason for the cash movement."))
    session = _locked_open(organization, session)
    movement = CashMovement(organization=organization, session=session, kind=kind, amount=amount,
                            reason=reason[:200], by_user_id=actor.user_id, at=timezone.now())
    movement.full_clean(exclude=["organization", "session"])
    movement.save()
    record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=movement,
           changed_fields=["kind", "amount", "reason"])
    publish(CashMoved(organization_id=organization.pk, session_id=session.pk, movement_id=movement.pk, kind=kind))
    return movement


def _money(value: Decimal | None) -> str:
    return str((value or ZERO).quantize(Decimal("0.01")))


def session_figures(session: TillSession, *, counted: Decimal | None = None) -> dict[str, Any]:
    """The session's figures as the Z (or X) report shows them, as JSON-ready strings.

    Every sum is a database aggregate over the session's receipts; nothing is recomputed from
    rounded parts, so the figures agree with the receipts to the cent."""
    org_id = session.organization_id
    sales = Sale.objects.filter(organization_id=org_id, till_session=session)
    lines = SaleLine.objects.filter(organization_id=org_id, sale__till_session=session)
    tenders = SaleTender.objects.filter(organization_id=org_id, sale__till_session=session)
    head = sales.aggregate(count=Count("pk"), first=Min("receipt_number"), last=Max("receipt_number"),
                           all_total=Sum("total"), all_discount=Sum("discount"), all_rounding=Sum("rounding"),
                           credit_count=Count("pk", filter=Q(kind=SaleKind.CREDIT)),
                           credit_total=Sum("total", filter=Q(kind=SaleKind.CREDIT)),
                           sale_count=Count("pk", filter=Q(kind=SaleKind.SALE)),
                           sale_total=Sum("total", filter=Q(kind=SaleKind.SALE)))
    vat_rows = (lines.exclude(kind__in=LIABILITY_KINDS).values("vat_rate", "vat_exempt")
                .annotate(gross=Sum("total"), vat=Sum("vat")).order_by("-vat_rate", "vat_exempt"))
    vat = [{"rate": format(row["vat_rate"].normalize(), "f"), "exempt": row["vat_exempt"],
            "net": _money(row["gross"] - row["vat"]), "vat": _money(row["vat"]), "gross": _money(row["gross"])}
           for row in vat_rows]
    cards = lines.filter(kind__in=LIABILITY_KINDS).aggregate(gross=Sum("total"), count=Count("pk"))
    methods = tenders.values("method").annotate(amount=Sum("amount"), count=Count("pk")).order_by("method")
    payments = [{"method": row["method"], "amount": _money(row["amount"]), "count": row["count"]} for row in methods]
    cash_sales = tenders.filter(method="cash").aggregate(s=Sum("amount"))["s"] or ZERO
    moves = list(CashMovement.objects.filter(organization_id=org_id, session=session).order_by("at", "pk"))
    cash_in = sum((m.amount for m in moves if m.kind == CashMovementKind.IN), ZERO)
    cash_out = sum((m.amount for m in moves if m.kind == CashMovementKind.OUT), ZERO)
    expected = session.opening_float + cash_sales + cash_in - cash_out
    figures: dict[str, Any] = {
        "currency": _currency(session.organization),
        "opened_at": session.opened_at.isoformat(),
        "receipts": {"count": head["count"], "first": head["first"], "last": head["last"]},
        "sales": {"count": head["sale_count"], "gross": _money(head["sale_total"])},
        "refunds": {"count": head["credit_count"], "gross": _money(head["credit_total"])},
        "total": _money(head["all_total"]),
        "discounts": _money(head["all_discount"]),
        "rounding": _money(head["all_rounding"]),
        "vat": vat,
        "vat_total": {"net": _money(sum((Decimal(r["net"]) for r in vat), ZERO)),
                      "vat": _money(sum((Decimal(r["vat"]) for r in vat), ZERO)),
                      "gross": _money(sum((Decimal(r["gross"]) for r in vat), ZERO))},
        "gift_cards_sold": {"count": cards["count"], "gross": _money(cards["gross"])},
        "payments": payments,
        "cash": {"float": _money(session.opening_float), "sales": _money(cash_sales), "in": _money(cash_in),
                 "out": _money(cash_out), "expected": _money(expected),
                 "counted": None if counted is None else _money(counted),
                 "difference": None if counted is None else _money(counted - expected)},
        "cash_movements": [{"kind": m.kind, "amount": _money(m.amount), "reason": m.reason, "at": m.at.isoformat()}
                           for m in moves],
    }
    return figures


@transaction.atomic
def till_close(*, organization: Organization, session: TillSession, counted_cash: Decimal, actor: Actor,
               note: str = "") -> TillSession:
    """Close the session with the cash counted in the drawer: expected, difference, the numbered Z report.

    The session row is locked first, so of two closings of one session one wins and the other is
    refused (it finds the session closed), and no receipt can slip in between the figures and the
    closing (checkout attaches a sale to the open session under the same lock)."""
    counted_cash = _amount(counted_cash, allow_zero=True)
    session = _locked_open(organization, session)
    figures = session_figures(session, counted=counted_cash)
    session.closed_at = timezone.now()
    session.closed_by_user_id = actor.user_id
    session.counted_cash = counted_cash
    session.expected_cash = Decimal(figures["cash"]["expected"])
    session.difference = counted_cash - session.expected_cash
    session.z_number = next_number(organization, DocumentSeries.Z_REPORT)
    figures["z_number"] = session.z_number
    figures["closed_at"] = session.closed_at.isoformat()
    session.z_figures = figures
    if note:
        session.note = note[:300]
    session.save(update_fields=["closed_at", "closed_by_user_id", "counted_cash", "expected_cash", "difference",
                                "z_number", "z_figures", "note"])
    record(organization=organization, actor=actor, action=AuditAction.UPDATE, obj=session,
           changed_fields=["closed_at", "counted_cash", "z_number"],
           detail={"z_number": session.z_number, "difference": str(session.difference)})
    publish(TillClosed(organization_id=organization.pk, till_id=session.till_id, session_id=session.pk))
    return session
