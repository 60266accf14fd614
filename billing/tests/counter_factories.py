"""Receipts for tests of the till, reports and exports, written as checkout writes them.

The checkout service lives on another branch; these rows are built with the same arithmetic
(billing.money.price and settle) and numbering (next_number), so every sum over them is consistent:
lines add up to the total, tenders to the total plus rounding, cash net of change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from billing.models import DocumentSeries, LineKind, Sale, SaleKind, SaleLine, SaleTender, TillSession, Voucher
from billing.money import Line, Tender, price, settle
from billing.numbering import next_number


@dataclass
class L:
    """A line as entered at checkout."""

    unit_price: str
    vat: str = "25.5"
    quantity: str = "1"
    kind: str = LineKind.SERVICE
    discount_percent: str = "0"
    description: str = "Haircut"
    service: object = None
    product: object = None
    staff: object = None
    voucher: object = None
    exempt: bool = False


@dataclass
class T:
    method: str
    amount: str
    voucher: object = None


@dataclass
class Made:
    sale: Sale
    lines: list[SaleLine] = field(default_factory=list)


def make_location(organization, name: str = "Main"):
    from booking.models import Location

    location, _ = Location.objects.get_or_create(organization=organization, name=name,
                                                 defaults={"time_zone": organization.time_zone})
    return location


def make_sale(organization, *, location, lines: list[L], tenders: list[T], session: TillSession | None = None,
              kind: str = SaleKind.SALE, refers_to: Sale | None = None, at: dt.datetime | None = None,
              discount_percent: str = "0", sold_by_user_id: int | None = None) -> Sale:
    """A receipt (or, with kind=CREDIT, a credit receipt mirroring `lines` with negative amounts)."""
    sign = -1 if kind == SaleKind.CREDIT else 1
    priced = price([Line(unit_price=Decimal(x.unit_price), quantity=Decimal(x.quantity), vat_percent=Decimal(x.vat),
                         discount_percent=Decimal(x.discount_percent), exempt=x.exempt) for x in lines],
                   discount_percent=Decimal(discount_percent))
    total = priced.total * sign
    settlement = settle(total, [Tender(t.method, Decimal(t.amount)) for t in tenders], organization.country)
    with transaction.atomic():
        sale = Sale.objects.create(
            organization=organization, kind=kind, receipt_number=next_number(organization, DocumentSeries.RECEIPT),
            refers_to=refers_to, location=location, till_session=session,
            currency="PLN" if organization.country == "PL" else "EUR", language="fi",
            seller_name=organization.name, seller_business_id=organization.business_id or "",
            total=total, discount=priced.discount * sign, vat=priced.vat * sign, rounding=settlement.rounding,
            change=settlement.change, sold_by_user_id=sold_by_user_id, completed_at=at or timezone.now())
        for position, (entered, p) in enumerate(zip(lines, priced.lines, strict=True), start=1):
            SaleLine.objects.create(
                organization=organization, sale=sale, position=position, kind=entered.kind,
                description=entered.description, quantity=Decimal(entered.quantity) * sign,
                unit_price=Decimal(entered.unit_price), discount=p.discount * sign, total=p.gross * sign,
                vat_rate=Decimal(entered.vat), vat_exempt=entered.exempt, vat=p.vat * sign,
                service=entered.service, product=entered.product, staff=entered.staff, voucher=entered.voucher)
        vouchers = {t.method: t.voucher for t in tenders if t.voucher is not None}
        for applied in settlement.applied:
            SaleTender.objects.create(organization=organization, sale=sale, method=applied.method,
                                      amount=applied.amount, voucher=vouchers.get(applied.method))
    return sale


def make_voucher(organization, *, code: str, kind: str = "gift_card", value: str = "50.00", balance: str | None = None,
                 visits: int = 0, visits_left: int | None = None, visit_value: str = "0", service=None,
                 expires_on: dt.date | None = None, client=None) -> Voucher:
    return Voucher.objects.create(
        organization=organization, kind=kind, code=code, client=client,
        currency="PLN" if organization.country == "PL" else "EUR", initial_value=Decimal(value),
        balance=Decimal(value if balance is None else balance), service=service, visits=visits,
        visits_left=visits if visits_left is None else visits_left, visit_value=Decimal(visit_value),
        issued_at=timezone.now(), expires_on=expires_on or (timezone.localdate() + dt.timedelta(days=365)))
