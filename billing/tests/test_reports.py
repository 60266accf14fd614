"""Sales reports, commission, liability and the journal agree with the receipts and with each other."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from billing.models import CommissionRate, LineKind, Product, SaleKind
from billing.reports import (
    JOURNAL_COLUMNS,
    commission,
    journal,
    liability,
    period,
    sales_by_day,
    sales_by_product,
    sales_by_service,
    sales_by_staff,
    write_csv,
)
from billing.tests.counter_factories import L, T, make_location, make_sale, make_voucher
from booking.models import Service

HEL = ZoneInfo("Europe/Helsinki")
DAY1 = dt.datetime(2030, 3, 4, 10, 0, tzinfo=HEL)
DAY2 = dt.datetime(2030, 3, 5, 0, 30, tzinfo=HEL)  # 22:30 UTC on the 4th: Helsinki's 5th


@pytest.fixture
def sold(world):
    org = world.org
    location = make_location(org)
    cut = Service.objects.create(organization=org, name="Haircut", duration_minutes=45, price=Decimal("40"))
    shampoo = Product.objects.create(organization=org, name="Shampoo", price=Decimal("12.99"), vat_rate=Decimal("13.5"))
    anna, bea = world.practitioner, world.reception
    make_sale(org, location=location, at=DAY1, lines=[
        L("40.00", service=cut, staff=anna, description="Haircut"),
        L("12.99", vat="13.5", kind=LineKind.PRODUCT, product=shampoo, staff=anna, description="Shampoo", quantity="2"),
    ], tenders=[T("card", "65.98")])
    make_sale(org, location=location, at=DAY1, lines=[L("40.00", service=cut, staff=bea, description="Haircut")],
              tenders=[T("cash", "50")], discount_percent="10")  # 36.00 cash
    make_sale(org, location=location, at=DAY2, lines=[
        L("50.00", vat="0", kind=LineKind.GIFT_CARD, description="Gift card")], tenders=[T("mobilepay", "50")])
    make_sale(org, location=location, at=DAY2, lines=[L("40.00", service=cut, staff=anna, description="Haircut")],
              tenders=[T("cash", "-40")], kind=SaleKind.CREDIT)
    make_sale(org, location=location, at=DAY2, lines=[L("12.99", vat="13.5", kind=LineKind.PRODUCT, product=shampoo)],
              tenders=[T("cash", "13")])  # rounding 0.01, no staff
    make_sale(world.other_org, location=make_location(world.other_org), at=DAY1, lines=[L("500", vat="23")],
              tenders=[T("card", "500")])
    CommissionRate.objects.create(organization=org, membership=anna, percent=Decimal("10"))
    CommissionRate.objects.create(organization=org, membership=anna, product=shampoo, percent=Decimal("5"))
    return {"cut": cut, "shampoo": shampoo, "org": org}


def march(world):
    return period(world.org, dt.date(2030, 3, 1), dt.date(2030, 3, 31))


@pytest.mark.django_db
def test_sales_by_day_use_local_days_and_count_credits(world, sold):
    rows = sales_by_day(world.org, march(world))
    assert [(r["day"], r["receipts"], r["credits"], r["gross"]) for r in rows] == [
        (dt.date(2030, 3, 4), 2, 0, Decimal("101.98")),
        (dt.date(2030, 3, 5), 2, 1, Decimal("22.99")),  # 50 - 40 + 12.99
    ]
    assert rows[0]["discounts"] == Decimal("4.00") and rows[1]["rounding"] == Decimal("0.01")
    assert sales_by_day(world.org, period(world.org, dt.date(2030, 3, 5), dt.date(2030, 3, 5)))[0]["credits"] == 1


@pytest.mark.django_db
def test_sales_by_staff_service_and_product(world, sold):
    staff = {r["name"]: r for r in sales_by_staff(world.org, march(world))}
    anna = str(world.practitioner.user.get_full_name() or world.practitioner.user.email)
    assert staff[anna]["gross"] == Decimal("25.98")  # 40 + 25.98 - 40
    services = sales_by_service(world.org, march(world))
    assert [(r["name"], r["quantity"], r["gross"]) for r in services] == [("Haircut", Decimal("1"), Decimal("36.00"))]
    products = sales_by_product(world.org, march(world))
    assert [(r["id"], r["quantity"], r["gross"]) for r in products] == [(sold["shampoo"].pk, Decimal("3"),
                                                                          Decimal("38.97"))]
    assert products[0]["net"] + products[0]["vat"] == products[0]["gross"]


@pytest.mark.django_db
def test_commission_takes_the_specific_rate_else_the_default(world, sold):
    rows = {r["staff_id"]: r for r in commission(world.org, march(world))}
    anna = rows[world.practitioner.pk]
    # Haircut 40 - 40 (refund) = 0 net at 10 %; shampoo 25.98 gross at 13.5 % VAT = 22.89 net at 5 %.
    assert anna["net"] == Decimal("22.89")
    assert anna["commission"] == Decimal("1.14")
    assert rows[world.reception.pk]["commission"] == Decimal("0.00")  # no rate: no commission


@pytest.mark.django_db
def test_the_journal_balances_every_day_and_is_written_as_csv(world, sold):
    rows = journal(world.org, march(world))
    for day in {r["date"] for r in rows}:
        of_day = [r for r in rows if r["date"] == day]
        paid = sum(r["gross"] for r in of_day if r["entry"] == "PAYMENT")
        owed = sum(r["gross"] for r in of_day if r["entry"] != "PAYMENT")
        assert paid == owed
        for r in of_day:
            assert r["net"] + r["vat"] == r["gross"]
    day2 = {(r["entry"], r["vat_code"], r["method"]): r["gross"] for r in rows if r["date"] == dt.date(2030, 3, 5)}
    assert day2 == {("SALES", "25.5", ""): Decimal("-40.00"), ("SALES", "13.5", ""): Decimal("12.99"),
                    ("GIFT_CARDS_SOLD", "", ""): Decimal("50.00"), ("ROUNDING", "", ""): Decimal("0.01"),
                    ("PAYMENT", "", "cash"): Decimal("-27.00"), ("PAYMENT", "", "mobilepay"): Decimal("50.00")}
    out = io.StringIO()
    write_csv(out, JOURNAL_COLUMNS, rows)
    lines = out.getvalue().splitlines()
    assert lines[0] == ",".join(JOURNAL_COLUMNS) and len(lines) == len(rows) + 1
    assert "2030-03-05,SALES,25.5,25.5,,-31.87,-8.13,-40.00,1,EUR" in lines


@pytest.mark.django_db
def test_liability_counts_unredeemed_value_and_visits_and_keeps_expired_apart(world):
    today = dt.date(2030, 6, 1)
    make_voucher(world.org, code="GIFT-A", value="100", balance="30", expires_on=dt.date(2031, 1, 1))
    make_voucher(world.org, code="GIFT-0", value="100", balance="0", expires_on=dt.date(2031, 1, 1))
    make_voucher(world.org, code="SER-10", kind="series_card", value="450", visits=10, visits_left=4,
                 visit_value="45", expires_on=dt.date(2031, 1, 1))
    make_voucher(world.org, code="OLD", value="50", expires_on=dt.date(2030, 5, 31))
    make_voucher(world.other_org, code="GIFT-A", value="999")
    report = liability(world.org, today)
    assert [c["code"] for c in report["cards"]] == ["OLD", "GIFT-A", "SER-10"]
    assert report["valid"] == {"value": Decimal("210.00"), "visits": 4, "count": 2}
    assert report["expired"] == {"value": Decimal("50.00"), "visits": 0, "count": 1}


@pytest.mark.django_db
def test_csv_cells_that_look_like_formulas_are_guarded(world):
    out = io.StringIO()
    write_csv(out, ["name", "gross"], [{"name": "=HYPERLINK(1)", "gross": Decimal("-1.00")}])
    assert out.getvalue().splitlines()[1] == "'=HYPERLINK(1),-1.00"


def test_a_period_is_bounded(world=None):
    class Org:
        time_zone = "Europe/Helsinki"

    with pytest.raises(ValueError):
        period(Org(), dt.date(2030, 1, 2), dt.date(2030, 1, 1))
    with pytest.raises(ValueError):
        period(Org(), dt.date(2020, 1, 1), dt.date(2030, 1, 1))
