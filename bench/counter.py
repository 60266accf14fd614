"""The counter at scale: a location with 50,000 receipts in one till session.

Measured: the Z report's figures (what closing computes), one real close, and the sales reports over
the whole period, each against only reading the rows its figures are made of; then the checkout itself
(billing.sales.sale_complete: a service and a product paid by card) on top of those 50,000 receipts,
against writing the same receipt's rows with no arithmetic, numbering, stock, audit or event.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from tqdm import tqdm

from billing import reports
from billing.models import (
    DocumentCounter,
    DocumentSeries,
    LineKind,
    Product,
    Sale,
    SaleKind,
    SaleLine,
    SaleTender,
    Till,
    TillSession,
)
from billing.money import Line, Tender, price, settle
from billing.sales import LineInput, TenderInput, sale_complete
from billing.till import session_figures, till_close
from booking.models import Location, Service
from kernel.audit import Actor
from tenancy.models import Membership

SALES = int(os.environ.get("BENCH_SALES", "50000"))
DAYS = 100
FIRST = dt.datetime(2031, 1, 5, 9, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
CHUNK = 1000
ACTOR = Actor(kind="user", user_id=1, label="Bench Person", role="reception", ip="192.0.2.1")

# Baskets as checkout writes them: (lines as (price, vat, kind, quantity), tenders, sale discount %).
BASKETS = [
    ([("45.00", "25.5", LineKind.SERVICE, "1")], [("card", "45.00")], "0"),
    ([("65.00", "25.5", LineKind.SERVICE, "1"), ("18.90", "25.5", LineKind.PRODUCT, "1")], [("cash", "90")], "0"),
    ([("80.00", "25.5", LineKind.SERVICE, "1")], [("mobilepay", "40"), ("card", "32.00")], "10"),
    ([("12.99", "13.5", LineKind.PRODUCT, "2")], [("cash", "30")], "0"),
    ([("50.00", "0", LineKind.GIFT_CARD, "1")], [("card", "50.00")], "0"),
    ([("35.00", "25.5", LineKind.SERVICE, "1"), ("9.90", "10", LineKind.PRODUCT, "1")], [("card", "44.90")], "0"),
]


def _priced_baskets(country: str):
    out = []
    for lines, tenders, discount in BASKETS:
        priced = price([Line(unit_price=Decimal(p), quantity=Decimal(q), vat_percent=Decimal(v)) for p, v, _k, q
                        in lines], discount_percent=Decimal(discount))
        settlement = settle(priced.total, [Tender(m, Decimal(a)) for m, a in tenders], country)
        out.append((lines, priced, settlement))
    return out


def seed_counter(organization, *, sales: int = SALES, days: int = DAYS) -> dict:
    """A location, an open till session holding `sales` receipts spread over `days`, a service, two products,
    three staff members on the lines; receipt numbers 1..sales with the counter set as next_number leaves it.
    Every 40th receipt is a credit of the basket it follows (negative amounts)."""
    location = Location.objects.create(organization=organization, name="Bench counter",
                                       time_zone=organization.time_zone)
    till = Till.objects.create(organization=organization, location=location, name="Bench till")
    session = TillSession.objects.create(organization=organization, till=till, opened_at=FIRST,
                                         opening_float=Decimal("200.00"))
    service = Service.objects.create(organization=organization, name="Bench haircut", duration_minutes=45,
                                     price=Decimal("45"))
    products = [Product.objects.create(organization=organization, name=f"Bench product {i}", price=Decimal("12.99"),
                                       vat_rate=Decimal("13.5")) for i in range(2)]
    staff = list(Membership.objects.filter(organization=organization))[:3]
    baskets = _priced_baskets(organization.country)
    currency = "PLN" if organization.country == "PL" else "EUR"
    step = dt.timedelta(days=days) / sales
    number = 0
    with tqdm(total=sales, desc="seeding receipts", unit="sale", leave=False, file=sys.stderr) as bar:
        while number < sales:
            batch = range(number, min(number + CHUNK, sales))
            heads, plans = [], []
            for i in batch:
                lines, priced, settlement = baskets[i % len(baskets)]
                sign = -1 if i % 40 == 39 else 1
                heads.append(Sale(
                    organization=organization, kind=SaleKind.CREDIT if sign < 0 else SaleKind.SALE,
                    receipt_number=i + 1, location=location, till_session=session, currency=currency,
                    language="fi", seller_name=organization.name, seller_business_id=organization.business_id or "",
                    total=priced.total * sign, discount=priced.discount * sign, vat=priced.vat * sign,
                    rounding=settlement.rounding * sign, change=settlement.change * sign,
                    completed_at=FIRST + step * i))
                plans.append((lines, priced, settlement, sign, i))
            with transaction.atomic():
                Sale.objects.bulk_create(heads)
                sale_lines, tenders = [], []
                for sale, (lines, priced, settlement, sign, i) in zip(heads, plans, strict=True):
                    for position, ((unit, rate, kind, qty), p) in enumerate(zip(lines, priced.lines, strict=True), 1):
                        sale_lines.append(SaleLine(
                            organization=organization, sale=sale, position=position, kind=kind,
                            description=str(kind), quantity=Decimal(qty) * sign, unit_price=Decimal(unit),
                            discount=p.discount * sign, total=p.gross * sign, vat_rate=Decimal(rate), vat=p.vat * sign,
                            service=service if kind == LineKind.SERVICE else None,
                            product=products[i % 2] if kind == LineKind.PRODUCT else None,
                            staff=staff[i % len(staff)] if kind != LineKind.GIFT_CARD and staff else None))
                    for applied in settlement.applied:
                        tenders.append(SaleTender(organization=organization, sale=sale, method=applied.method,
                                                  amount=applied.amount * sign))
                SaleLine.objects.bulk_create(sale_lines)
                SaleTender.objects.bulk_create(tenders)
            number = batch.stop
            bar.update(len(batch))
    DocumentCounter.objects.update_or_create(organization=organization, series=DocumentSeries.RECEIPT, year=0,
                                             defaults={"last": sales})
    return {"location": location, "till": till, "session": session, "service": service, "products": products,
            "first_day": FIRST.date(), "last_day": (FIRST + step * (sales - 1)).date()}


def _baseline_session(session: TillSession) -> None:
    """Only reading what the Z report sums: the receipts' heads, lines and payments, computing nothing."""
    org = session.organization_id
    list(Sale.objects.filter(organization_id=org, till_session=session).values_list(
        "kind", "receipt_number", "total", "discount", "rounding"))
    list(SaleLine.objects.filter(organization_id=org, sale__till_session=session).values_list(
        "kind", "vat_rate", "vat_exempt", "total", "vat"))
    list(SaleTender.objects.filter(organization_id=org, sale__till_session=session).values_list("method", "amount"))


def _baseline_period(organization, p: reports.Period) -> None:
    list(SaleLine.objects.filter(organization=organization, sale__completed_at__gte=p.start,
                                 sale__completed_at__lt=p.end).values_list(
        "sale__completed_at", "kind", "staff_id", "service_id", "product_id", "vat_rate", "total", "vat"))


def _median(fn, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def counter_benches(make_org, rounds: int = 5) -> dict:
    org = make_org("Counter Bench")
    seeded = seed_counter(org)
    session = seeded["session"]
    p = reports.period(org, seeded["first_day"], seeded["last_day"])
    rows = []
    figures = session_figures(session)
    assert figures["receipts"]["count"] == SALES
    rows.append(("Z figures (X report) of the session", _median(lambda: session_figures(session), rounds),
                 _median(lambda: _baseline_session(session), rounds)))
    base_period = _median(lambda: _baseline_period(org, p), rounds)
    for label, fn in (("sales by day", reports.sales_by_day), ("sales by staff member", reports.sales_by_staff),
                      ("sales by service", reports.sales_by_service), ("sales by product", reports.sales_by_product),
                      ("commission", reports.commission), ("accounting journal", reports.journal)):
        rows.append((f"{label} ({DAYS} days)", _median(lambda fn=fn: fn(org, p), rounds), base_period))
    start = time.perf_counter()
    closed = till_close(organization=org, session=session, counted_cash=Decimal(figures["cash"]["expected"]),
                        actor=ACTOR)
    close_s = time.perf_counter() - start
    assert closed.z_number == 1 and closed.difference == 0
    checkout_s, raw_s = _checkout_bench(org, seeded, rounds=max(rounds * 20, 50))
    print(f"\nCounter: one till session with {SALES} receipts on {connection.vendor} ({rounds} rounds; medians)")
    print(f"{'what':<44}{'median':>12}{'baseline':>12}{'ratio':>8}")
    for label, median, baseline in rows:
        print(f"{label:<44}{median * 1e3:>10.1f}ms{baseline * 1e3:>10.1f}ms{median / baseline:>8.2f}")
    print(f"{'close the till (Z report, once)':<44}{close_s * 1e3:>10.1f}ms{rows[0][2] * 1e3:>10.1f}ms"
          f"{close_s / rows[0][2]:>8.2f}")
    print(f"{'checkout: service + product, card':<44}{checkout_s * 1e3:>10.1f}ms{raw_s * 1e3:>10.1f}ms"
          f"{checkout_s / raw_s:>8.2f}")
    return seeded


def _checkout_bench(org, seeded: dict, rounds: int) -> tuple[float, float]:
    """Median time of a real checkout after the seeded receipts, and of writing its rows bare."""
    service, product, location = seeded["service"], seeded["products"][0], seeded["location"]
    lines = [LineInput(kind=LineKind.SERVICE, service=service), LineInput(kind=LineKind.PRODUCT, product=product)]
    total = service.price + product.price
    first = sale_complete(organization=org, location=location, lines=lines, actor=ACTOR,
                          tenders=[TenderInput(method="card", amount=total)])
    assert first.receipt_number == SALES + 1 and first.total == total
    template_lines = list(first.lines.order_by("position"))
    template_tender = first.tenders.get()
    samples = []
    for _ in tqdm(range(rounds), desc="checkout", unit="sale", leave=False, file=sys.stderr):
        start = time.perf_counter()
        sale_complete(organization=org, location=location, lines=lines, actor=ACTOR,
                      tenders=[TenderInput(method="card", amount=total)])
        samples.append(time.perf_counter() - start)
    raw = []
    for i in range(rounds):
        start = time.perf_counter()
        with transaction.atomic():
            sale = Sale.objects.create(**{f.attname: getattr(first, f.attname) for f in Sale._meta.concrete_fields
                                          if f.attname not in ("id", "receipt_number")},
                                       receipt_number=10_000_000 + i)
            SaleLine.objects.bulk_create([SaleLine(**{f.attname: getattr(line, f.attname)
                                                      for f in SaleLine._meta.concrete_fields
                                                      if f.attname not in ("id", "sale_id")}, sale=sale)
                                          for line in template_lines])
            SaleTender.objects.create(**{f.attname: getattr(template_tender, f.attname)
                                         for f in SaleTender._meta.concrete_fields
                                         if f.attname not in ("id", "sale_id")}, sale=sale)
        raw.append(time.perf_counter() - start)
    return statistics.median(samples), statistics.median(raw)
