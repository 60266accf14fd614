"""The till: a float, cash in and out, receipts' cash, and a close that freezes a numbered Z report."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections

from billing.models import CashMovementKind, LineKind, SaleKind, TillSession
from billing.tests.counter_factories import L, T, make_location, make_sale
from billing.till import cash_move, session_figures, till_close, till_open
from kernel.audit import Actor
from kernel.models import AuditEvent
from tilli.errors import Conflict, Invalid, NotFound

SYSTEM = Actor.system("test")


@pytest.fixture
def session(world):
    return till_open(organization=world.org, location=make_location(world.org), opening_float=Decimal("150.00"),
                     actor=SYSTEM)


@pytest.mark.django_db
def test_a_till_opens_once_and_a_second_opening_is_refused(world, session):
    with pytest.raises(Conflict) as refused:
        till_open(organization=world.org, location=session.till.location, opening_float=Decimal("0"), actor=SYSTEM)
    assert refused.value.code == "till_already_open"
    assert AuditEvent.objects.filter(organization=world.org, object_type="billing.tillsession").count() == 1


@pytest.mark.django_db
def test_another_organizations_location_is_not_found(world):
    with pytest.raises(NotFound):
        till_open(organization=world.other_org, location=make_location(world.org), opening_float=Decimal("1"),
                  actor=SYSTEM)


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["-1", "0.001", "NaN", "abc", "1e12"])
def test_a_float_must_be_whole_cents_and_not_negative(world, amount):
    with pytest.raises(Invalid):
        till_open(organization=world.org, location=make_location(world.org), opening_float=amount, actor=SYSTEM)


@pytest.mark.django_db
def test_cash_movements_need_a_reason_and_a_positive_amount(world, session):
    with pytest.raises(Invalid) as no_reason:
        cash_move(organization=world.org, session=session, kind="in", amount=Decimal("10"), reason=" ", actor=SYSTEM)
    with pytest.raises(Invalid):
        cash_move(organization=world.org, session=session, kind="out", amount=Decimal("0"), reason="bank",
                  actor=SYSTEM)
    assert no_reason.value.code == "no_reason"


@pytest.mark.django_db
def test_close_computes_expected_cash_difference_and_the_z_figures(world, session):
    location = session.till.location
    # 40.00 service, paid 50.00 cash: 10.00 change; the drawer gains 40.00.
    make_sale(world.org, location=location, session=session, lines=[L("40.00")], tenders=[T("cash", "50.00")])
    # 12.99 product at 13.5 %, cash: rounded to 13.00 (Finland), drawer gains 13.00, rounding 0.01.
    make_sale(world.org, location=location, session=session,
              lines=[L("12.99", vat="13.5", kind=LineKind.PRODUCT, description="Shampoo")], tenders=[T("cash", "13")])
    # 100 split card 60 + mobilepay 40, with a 10 % discount on the sale: 90.00
    make_sale(world.org, location=location, session=session, lines=[L("100.00")],
              tenders=[T("card", "50.00"), T("mobilepay", "40.00")], discount_percent="10")
    # A gift card sold for 50 by card: a liability, outside the VAT table.
    make_sale(world.org, location=location, session=session,
              lines=[L("50.00", vat="0", kind=LineKind.GIFT_CARD, description="Gift card")], tenders=[T("card", "50")])
    # A refund of the 40.00 service in cash: the drawer loses 40.00.
    make_sale(world.org, location=location, session=session, lines=[L("40.00")], tenders=[T("cash", "-40.00")],
              kind=SaleKind.CREDIT)
    # A sale of another organization and one without the session do not count.
    make_sale(world.other_org, location=make_location(world.other_org), lines=[L("999")], tenders=[T("cash", "999")])
    cash_move(organization=world.org, session=session, kind=CashMovementKind.IN, amount=Decimal("20.00"),
              reason="Change from the bank", actor=SYSTEM)
    cash_move(organization=world.org, session=session, kind=CashMovementKind.OUT, amount=Decimal("5.50"),
              reason="Milk for the coffee", actor=SYSTEM)
    expected = Decimal("150.00") + Decimal("40.00") + Decimal("13.00") - Decimal("40.00") + Decimal("20.00") \
        - Decimal("5.50")
    closed = till_close(organization=world.org, session=session, counted_cash=Decimal("177.00"), actor=SYSTEM)

    assert (closed.expected_cash, closed.counted_cash, closed.difference) == (expected, Decimal("177.00"),
                                                                             Decimal("177.00") - expected)
    assert closed.z_number == 1
    z = TillSession.objects.get(pk=session.pk).z_figures
    assert z["receipts"]["count"] == 5 and z["receipts"]["last"] - z["receipts"]["first"] == 4
    assert z["refunds"] == {"count": 1, "gross": "-40.00"}
    assert z["discounts"] == "10.00"
    assert z["rounding"] == "0.01"
    assert z["gift_cards_sold"] == {"count": 1, "gross": "50.00"}
    by_rate = {row["rate"]: row for row in z["vat"]}
    assert set(by_rate) == {"25.5", "13.5"}
    assert by_rate["25.5"]["gross"] == "90.00"  # 40 - 40 + 90
    assert Decimal(by_rate["25.5"]["net"]) + Decimal(by_rate["25.5"]["vat"]) == Decimal("90.00")
    assert by_rate["13.5"] == {"rate": "13.5", "exempt": False, "net": "11.44", "vat": "1.55", "gross": "12.99"}
    assert {p["method"]: p["amount"] for p in z["payments"]} == {"cash": "13.00", "card": "100.00",
                                                                 "mobilepay": "40.00"}
    assert z["cash"]["expected"] == str(expected) and z["cash"]["difference"] == str(Decimal("177.00") - expected)
    assert [m["reason"] for m in z["cash_movements"]] == ["Change from the bank", "Milk for the coffee"]
    # Receipts plus the gift card equal the payments, cash rounding included.
    total_paid = sum(Decimal(p["amount"]) for p in z["payments"])
    assert total_paid == Decimal(z["total"]) + Decimal(z["rounding"])


@pytest.mark.django_db
def test_z_numbers_follow_each_other_per_organization_and_a_closed_session_cannot_change(world, session):
    first = till_close(organization=world.org, session=session, counted_cash=Decimal("150"), actor=SYSTEM)
    second = till_open(organization=world.org, location=session.till.location, opening_float=Decimal("0"),
                       actor=SYSTEM)
    other = till_open(organization=world.other_org, location=make_location(world.other_org),
                      opening_float=Decimal("0"), actor=SYSTEM)
    assert till_close(organization=world.org, session=second, counted_cash=Decimal("0"), actor=SYSTEM).z_number == 2
    assert till_close(organization=world.other_org, session=other, counted_cash=Decimal("0"),
                      actor=SYSTEM).z_number == 1
    with pytest.raises(Conflict):
        cash_move(organization=world.org, session=first, kind="in", amount=Decimal("1"), reason="x", actor=SYSTEM)
    with pytest.raises(Conflict):
        till_close(organization=world.org, session=first, counted_cash=Decimal("1"), actor=SYSTEM)


@pytest.mark.django_db
def test_the_x_report_shows_the_open_session_without_closing_it(world, session):
    make_sale(world.org, location=session.till.location, session=session, lines=[L("10")], tenders=[T("cash", "10")])
    x = session_figures(session)
    assert x["cash"]["expected"] == "160.00" and x["cash"]["difference"] is None
    assert TillSession.objects.get(pk=session.pk).closed_at is None


@pytest.mark.django_db
def test_another_organization_cannot_close_or_move_cash_in_a_session(world, session):
    with pytest.raises(NotFound):
        till_close(organization=world.other_org, session=session, counted_cash=Decimal("1"), actor=SYSTEM)
    with pytest.raises(NotFound):
        cash_move(organization=world.other_org, session=session, kind="in", amount=Decimal("1"), reason="x",
                  actor=SYSTEM)


@pytest.mark.django_db(transaction=True)
def test_two_closes_of_one_session_one_wins(world):
    session = till_open(organization=world.org, location=make_location(world.org), opening_float=Decimal("10"),
                        actor=SYSTEM)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def close(counted: str) -> None:
        try:
            barrier.wait()
            till_close(organization=world.org, session=session, counted_cash=Decimal(counted), actor=SYSTEM)
            results.append("closed")
        except Conflict as refused:
            results.append(refused.code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=close, args=(c,)) for c in ("10", "11")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["closed", "till_not_open"]
    closed = TillSession.objects.get(pk=session.pk)
    assert closed.z_number == 1 and closed.counted_cash in (Decimal("10"), Decimal("11"))


@pytest.mark.django_db(transaction=True)
def test_two_first_openings_of_a_location_make_one_till_and_one_session(world):
    location = make_location(world.org)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def open_till() -> None:
        try:
            barrier.wait()
            till_open(organization=world.org, location=location, opening_float=Decimal("10"), actor=SYSTEM)
            results.append("opened")
        except Conflict as refused:
            results.append(refused.code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=open_till) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["opened", "till_already_open"]
    assert TillSession.objects.filter(organization=world.org).count() == 1
    assert location.tills.count() == 1
