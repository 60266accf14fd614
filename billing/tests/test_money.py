"""The arithmetic of a sale always adds up: lines, discounts, VAT groups, cash rounding and change."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from billing.money import CASH, Line, Tender, allocate, price, round_cash, settle

money = st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=2)
percent = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)
rates = st.sampled_from([(Decimal("25.5"), False), (Decimal("13.5"), False), (Decimal("10"), False),
                         (Decimal("0"), False), (Decimal("23"), False), (Decimal("8"), False),
                         (Decimal("0"), True)])


@st.composite
def lines(draw):
    rate, exempt = draw(rates)
    return Line(unit_price=draw(money), quantity=Decimal(draw(st.integers(1, 20))), vat_percent=rate,
                exempt=exempt, discount_percent=draw(st.sampled_from([Decimal(0), draw(percent)])))


@given(st.lists(lines(), min_size=1, max_size=12), percent)
def test_lines_vat_groups_and_total_always_agree(entered, sale_percent):
    priced = price(entered, discount_percent=sale_percent)
    assert priced.total == sum(p.gross for p in priced.lines)
    assert priced.total == sum(g.gross for g in priced.groups)
    assert priced.total == sum(g.net + g.vat for g in priced.groups)
    assert sum(p.gross_before_discount for p in priced.lines) - priced.discount == priced.total
    for group in priced.groups:
        members = [p for p in priced.lines if p.line.vat_key == (group.percent, group.exempt)]
        assert sum(p.vat for p in members) == group.vat
        exact = group.gross * group.percent / (100 + group.percent)
        assert abs(group.vat - exact) <= Decimal("0.005")
        assert group.vat == 0 or not group.exempt
    assert all(p.gross >= 0 for p in priced.lines)


@given(money, st.lists(st.decimals(min_value=Decimal("0"), max_value=Decimal("999"), places=2), min_size=1,
                       max_size=9))
def test_allocation_neither_creates_nor_loses_a_cent(amount, weights):
    if sum(weights) == 0:
        weights = [w + 1 for w in weights]
    shares = allocate(amount, weights)
    assert sum(shares) == amount
    assert all(s >= 0 for s in shares)


@given(money, st.sampled_from(["FI", "PL"]), st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=2),
       st.decimals(min_value=Decimal("0"), max_value=Decimal("50"), places=2))
def test_a_split_payment_pays_the_total_plus_rounding_and_gives_the_change(total, country, card_part, extra):
    card = (total * card_part).quantize(Decimal("0.01"))
    left = total - card
    tenders = [Tender("card", card)] if card else []
    if left:
        tenders.append(Tender(CASH, round_cash(left, country) + extra))
    if not left and not card:
        tenders = []
    if left and round_cash(left, country) + extra <= 0:
        return
    settled = settle(total, tenders, country)
    assert settled.paid == total + settled.rounding
    assert sum(t.amount for t in tenders) - settled.change == settled.paid
    assert settled.change == (extra if left else 0)
    assert abs(settled.rounding) <= (Decimal("0.02") if country == "FI" else 0)
    if country == "FI" and left:
        assert (left + settled.rounding) % Decimal("0.05") == 0


def test_finnish_cash_rounds_to_five_cents_and_card_does_not():
    assert [round_cash(Decimal(x), "FI") for x in ("10.01", "10.02", "10.03", "10.07", "10.08")] == [
        Decimal("10.00"), Decimal("10.00"), Decimal("10.05"), Decimal("10.05"), Decimal("10.10")]
    assert settle(Decimal("10.02"), [Tender("card", Decimal("10.02"))], "FI").rounding == 0
    cash = settle(Decimal("10.02"), [Tender(CASH, Decimal("20"))], "FI")
    assert (cash.rounding, cash.change, cash.paid) == (Decimal("-0.02"), Decimal("10.00"), Decimal("10.00"))
    assert settle(Decimal("10.02"), [Tender(CASH, Decimal("10.02"))], "PL").rounding == 0


def test_a_refund_is_paid_out_with_the_signs_turned():
    settled = settle(Decimal("-12.38"), [Tender("card", Decimal("-2.00")), Tender(CASH, Decimal("-10.40"))], "FI")
    assert (settled.rounding, settled.change, settled.paid) == (Decimal("-0.02"), Decimal("0.00"), Decimal("-12.40"))


@pytest.mark.parametrize("tenders, code", [
    ([Tender("card", Decimal("30"))], "overpaid"),
    ([Tender("card", Decimal("10"))], "underpaid"),
    ([Tender(CASH, Decimal("5"))], "underpaid"),
    ([Tender("card", Decimal("20")), Tender(CASH, Decimal("1"))], "overpaid"),
    ([Tender("card", Decimal("0"))], "tender"),
])
def test_payments_that_do_not_pay_the_total_are_refused_with_a_reason(tenders, code):
    with pytest.raises(ValidationError) as error:
        settle(Decimal("20.00"), tenders, "FI")
    assert error.value.code == code


def test_discounts_larger_than_the_price_are_refused():
    with pytest.raises(ValidationError):
        price([Line(Decimal("10"), Decimal("1"), Decimal("25.5"), discount_amount=Decimal("10.01"))])
    with pytest.raises(ValidationError):
        price([Line(Decimal("10"), Decimal("1"), Decimal("25.5"))], discount_amount=Decimal("10.01"))


def test_a_receipt_example_adds_up_by_hand():
    priced = price([Line(Decimal("59.00"), Decimal("1"), Decimal("25.5")),  # haircut
                    Line(Decimal("18.90"), Decimal("2"), Decimal("25.5"), discount_percent=Decimal("10")),  # shampoo
                    Line(Decimal("4.50"), Decimal("1"), Decimal("13.5"))], discount_amount=Decimal("5.00"))
    # 59.00 + 37.80 - 3.78 + 4.50 = 97.52; minus 5.00 shared by value: 3.03, 1.74, 0.23
    assert [p.gross for p in priced.lines] == [Decimal("55.97"), Decimal("32.28"), Decimal("4.27")]
    assert priced.total == Decimal("92.52")
    assert [(g.percent, g.gross, g.vat) for g in priced.groups] == [
        (Decimal("25.5"), Decimal("88.25"), Decimal("17.93")), (Decimal("13.5"), Decimal("4.27"), Decimal("0.51"))]


@pytest.mark.parametrize(("value", "shown"), [("10.00", "10"), ("25.50", "25.5"), ("0.000", "0"), ("1.250", "1.25"),
                                              ("100", "100")])
def test_plain_never_shows_an_exponent(value, shown):
    from billing.money import plain

    assert str(plain(Decimal(value))) == shown
