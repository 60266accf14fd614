"""Sales reports, staff commission, gift card liability and the accounting journal: reads only.

Every figure is a database sum over receipt lines and payments as checkout wrote them (billing.money
made them add up to the cent), so the reports agree with each other and with the Z reports. Credit
receipts are negative and simply add in. Receipts kept restricted after a client's erasure still count:
the money was taken, and a sum names nobody. Days are the organization's local days.

Net is gross minus VAT. Commission is a percentage of the net (VAT is not the salon's money), per
staff member, from the rate on the service or product sold, else the member's default, else nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from billing.models import (
    CommissionRate,
    LineKind,
    Sale,
    SaleKind,
    SaleLine,
    SaleTender,
    Voucher,
    VoucherKind,
)
from billing.money import plain
from tenancy.models import Membership, Organization

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
LIABILITY_KINDS = (LineKind.GIFT_CARD,)  # a gift card's value is VAT-able when spent, not when sold
MAX_DAYS = 366 * 2


@dataclass(frozen=True)
class Period:
    """Local days [first, last] of an organization, as UTC bounds."""

    first: dt.date
    last: dt.date
    zone: ZoneInfo

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(0), self.zone)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(0), self.zone)


def period(organization: Organization, first: dt.date, last: dt.date) -> Period:
    if last < first:
        raise ValueError("the period ends before it starts")
    if (last - first).days > MAX_DAYS:
        raise ValueError("the period is too long")
    return Period(first, last, ZoneInfo(organization.time_zone))


def _sales(organization: Organization, p: Period):
    return Sale.objects.for_organization(organization).filter(completed_at__gte=p.start, completed_at__lt=p.end)


def _lines(organization: Organization, p: Period):
    return SaleLine.objects.for_organization(organization).filter(sale__completed_at__gte=p.start,
                                                                  sale__completed_at__lt=p.end)


def _money(value) -> Decimal:
    return (value or ZERO).quantize(CENT)


def _staff_names(organization: Organization, ids) -> dict[int, str]:
    members = Membership.objects.filter(organization=organization, pk__in=[i for i in ids if i]).select_related("user")
    return {m.pk: m.user.get_full_name() or m.user.email for m in members}


def sales_by_day(organization: Organization, p: Period) -> list[dict[str, Any]]:
    """Per local day: receipts, credit receipts, gross, VAT, net, discounts, cash rounding."""
    rows = (_sales(organization, p).annotate(day=TruncDate("completed_at", tzinfo=p.zone)).values("day")
            .annotate(receipts=Count("pk", filter=Q(kind=SaleKind.SALE)),
                      credits=Count("pk", filter=Q(kind=SaleKind.CREDIT)),
                      gross=Sum("total"), vat_sum=Sum("vat"), discounts=Sum("discount"), roundings=Sum("rounding"))
            .order_by("day"))
    return [{"day": r["day"], "receipts": r["receipts"], "credits": r["credits"], "gross": _money(r["gross"]),
             "vat": _money(r["vat_sum"]), "net": _money(r["gross"]) - _money(r["vat_sum"]),
             "discounts": _money(r["discounts"]), "rounding": _money(r["roundings"])} for r in rows]


def sales_by_staff(organization: Organization, p: Period) -> list[dict[str, Any]]:
    """Per staff member named on the lines (none: lines nobody performed, e.g. a walk-in product sale)."""
    rows = (_lines(organization, p).exclude(kind__in=LIABILITY_KINDS).values("staff_id")
            .annotate(lines=Count("pk"), gross=Sum("total"), vat_sum=Sum("vat")).order_by("staff_id"))
    names = _staff_names(organization, [r["staff_id"] for r in rows])
    out = [{"staff_id": r["staff_id"], "name": names.get(r["staff_id"], _("No staff member")), "lines": r["lines"],
            "gross": _money(r["gross"]), "vat": _money(r["vat_sum"]), "net": _money(r["gross"]) - _money(r["vat_sum"])}
           for r in rows]
    return sorted(out, key=lambda r: (r["staff_id"] is None, str(r["name"]).casefold()))


def _by_item(organization: Organization, p: Period, kind: str, key: str) -> list[dict[str, Any]]:
    rows = (_lines(organization, p).filter(kind=kind).values(key, "description")
            .annotate(quantity=Sum("quantity"), gross=Sum("total"), vat_sum=Sum("vat")))
    merged: dict[Any, dict[str, Any]] = {}
    for r in rows:  # one row per item; an item sold under several descriptions is named by the first
        ident = r[key] if r[key] is not None else ("text", r["description"])
        row = merged.setdefault(ident, {"id": r[key], "name": r["description"], "quantity": Decimal(0),
                                        "gross": ZERO, "vat": ZERO})
        row["quantity"] += r["quantity"] or 0
        row["gross"] += _money(r["gross"])
        row["vat"] += _money(r["vat_sum"])
    out = [row | {"net": row["gross"] - row["vat"], "quantity": plain(row["quantity"])}
           for row in merged.values()]
    return sorted(out, key=lambda r: (-r["gross"], str(r["name"]).casefold()))


def sales_by_service(organization: Organization, p: Period) -> list[dict[str, Any]]:
    return _by_item(organization, p, LineKind.SERVICE, "service_id")


def sales_by_product(organization: Organization, p: Period) -> list[dict[str, Any]]:
    return _by_item(organization, p, LineKind.PRODUCT, "product_id")


def commission(organization: Organization, p: Period) -> list[dict[str, Any]]:
    """Per staff member: net sales of services and products they are named on, and the commission.

    Lines are summed per (member, service, product) in the database; each group's commission is
    rounded to the cent once, then added up per member."""
    groups = (_lines(organization, p).filter(staff__isnull=False, kind__in=(LineKind.SERVICE, LineKind.PRODUCT))
              .values("staff_id", "service_id", "product_id")
              .annotate(net=Sum(F("total") - F("vat"))))
    rates = CommissionRate.objects.for_organization(organization)
    by_service = {(r.membership_id, r.service_id): r.percent for r in rates if r.service_id}
    by_product = {(r.membership_id, r.product_id): r.percent for r in rates if r.product_id}
    default = {r.membership_id: r.percent for r in rates if not r.service_id and not r.product_id}
    totals: dict[int, dict[str, Decimal]] = defaultdict(lambda: {"net": ZERO, "commission": ZERO})
    for g in groups:
        member = g["staff_id"]
        percent = (by_service.get((member, g["service_id"])) if g["service_id"] else
                   by_product.get((member, g["product_id"])) if g["product_id"] else None)
        if percent is None:
            percent = default.get(member, ZERO)
        net = _money(g["net"])
        totals[member]["net"] += net
        totals[member]["commission"] += (net * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    names = _staff_names(organization, totals)
    rows = [{"staff_id": member, "name": names.get(member, "?"), "net": t["net"], "commission": t["commission"]}
            for member, t in totals.items()]
    return sorted(rows, key=lambda r: str(r["name"]).casefold())


def liability(organization: Organization, today: dt.date) -> dict[str, Any]:
    """Gift and series cards not voided with value or visits left: per card, and totals valid and expired.

    A series card's outstanding value is its visits left times the value of one visit (the price paid
    divided by the visits, as sold)."""
    cards = (Voucher.objects.for_organization(organization).filter(voided_at=None)
             .filter(Q(kind=VoucherKind.GIFT_CARD, balance__gt=0) | Q(kind=VoucherKind.SERIES_CARD, visits_left__gt=0))
             .select_related("service").order_by("expires_on", "code"))
    rows = []
    totals = {"valid": {"value": ZERO, "visits": 0, "count": 0}, "expired": {"value": ZERO, "visits": 0, "count": 0}}
    for card in cards:
        if card.kind == VoucherKind.GIFT_CARD:
            value, visits = _money(card.balance), 0
        else:
            value, visits = _money(card.visit_value * card.visits_left), card.visits_left
        expired = card.expires_on < today
        bucket = totals["expired" if expired else "valid"]
        bucket["value"] += value
        bucket["visits"] += visits
        bucket["count"] += 1
        rows.append({"id": card.pk, "code": card.code, "kind": card.kind,
                     "service": card.service.name if card.service else "",
                     "issued": card.issued_at, "expires_on": card.expires_on, "expired": expired,
                     "initial_value": _money(card.initial_value), "value": value, "visits_left": visits,
                     "currency": card.currency})
    return {"cards": rows, "valid": totals["valid"], "expired": totals["expired"]}


# --- the accounting journal (docs/accounting-export.md) ----------------------------------------------------

JOURNAL_COLUMNS = ["date", "entry", "vat_rate", "vat_code", "method", "net", "vat", "gross", "documents", "currency"]


def journal(organization: Organization, p: Period) -> list[dict[str, Any]]:
    """The journal rows: per day, SALES per VAT rate, GIFT_CARDS_SOLD, ROUNDING, and PAYMENT per method.

    Each day balances: the PAYMENT grosses add up to the SALES grosses plus GIFT_CARDS_SOLD plus ROUNDING."""
    currency = "PLN" if organization.country == "PL" else "EUR"
    day = TruncDate("sale__completed_at", tzinfo=p.zone)
    lines = _lines(organization, p).annotate(day=day)
    sales = (lines.exclude(kind__in=LIABILITY_KINDS).values("day", "vat_rate", "vat_exempt")
             .annotate(gross=Sum("total"), vat_sum=Sum("vat"), documents=Count("sale", distinct=True)))
    cards = (lines.filter(kind__in=LIABILITY_KINDS).values("day")
             .annotate(gross=Sum("total"), documents=Count("sale", distinct=True)))
    rounding = (_sales(organization, p).exclude(rounding=0).annotate(day=TruncDate("completed_at", tzinfo=p.zone))
                .values("day").annotate(gross=Sum("rounding"), documents=Count("pk")))
    payments = (SaleTender.objects.for_organization(organization)
                .filter(sale__completed_at__gte=p.start, sale__completed_at__lt=p.end).annotate(day=day)
                .values("day", "method").annotate(gross=Sum("amount"), documents=Count("sale", distinct=True)))
    rows: list[dict[str, Any]] = []

    def add(entry: str, r: dict, *, rate: Decimal | None = None, exempt: bool = False, method: str = "",
            vat: Decimal = ZERO) -> None:
        gross = _money(r["gross"])
        rows.append({"date": r["day"], "entry": entry,
                     "vat_rate": "" if rate is None else format(rate.normalize(), "f"),
                     "vat_code": "" if rate is None else ("zw" if exempt else format(rate.normalize(), "f")),
                     "method": method, "net": gross - vat, "vat": vat, "gross": gross, "documents": r["documents"],
                     "currency": currency})

    for r in sales:
        add("SALES", r, rate=r["vat_rate"], exempt=r["vat_exempt"], vat=_money(r["vat_sum"]))
    for r in cards:
        add("GIFT_CARDS_SOLD", r)
    for r in rounding:
        add("ROUNDING", r)
    for r in payments:
        add("PAYMENT", r, method=r["method"])
    order = {"SALES": 0, "GIFT_CARDS_SOLD": 1, "ROUNDING": 2, "PAYMENT": 3}
    rows.sort(key=lambda r: (r["date"], order[r["entry"]], -Decimal(r["vat_rate"] or 0), r["vat_code"], r["method"]))
    return rows


def _cell(value: Any) -> Any:
    """Text Excel would run as a formula gets a leading apostrophe; numbers and dates go as they are."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def write_csv(stream: IO[str], columns: list[str], rows: list[dict[str, Any]]) -> None:
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c, "")) for c in columns])
