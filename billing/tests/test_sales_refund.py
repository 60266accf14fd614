"""Refunds: a credit receipt refers to the original, mirrors it negatively, and never gives back more."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import Product, SaleKind, Voucher
from billing.sales import LineInput, RefundLine, TenderInput, sale_refund
from billing.tests.checkout_kit import make_counter, sell
from tilli.errors import Conflict, Invalid

pytestmark = pytest.mark.django_db


@pytest.fixture
def counter(world):
    return make_counter(world, stock=5)


@pytest.fixture
def sale(counter):
    return sell(counter, lines=[LineInput(kind="service", service=counter.service),
                                LineInput(kind="product", product=counter.product, quantity=Decimal("3"),
                                          discount_percent=Decimal("10"))],
                tenders=[TenderInput(method="card", amount=Decimal("83.83"))])


def refund(sale, counter, lines, tenders):
    return sale_refund(sale=sale, lines=lines, tenders=tenders, actor=counter.actor, reason="Wrong shade")


def test_a_partial_return_makes_a_negative_credit_receipt_that_refers_to_the_original(sale, counter):
    product_line = sale.lines.get(kind="product")
    credit = refund(sale, counter, [RefundLine(product_line, Decimal("1"))],
                    [TenderInput(method="card", amount=Decimal("11.61"))])
    assert (credit.kind, credit.refers_to, credit.receipt_number) == (SaleKind.CREDIT, sale, 2)
    line = credit.lines.get()
    assert (line.quantity, line.total, credit.total) == (Decimal("-1"), Decimal("-11.61"), Decimal("-11.61"))
    assert credit.tenders.get().amount == Decimal("-11.61")
    assert sum(x.vat for x in credit.lines.all()) == credit.vat < 0
    assert Product.objects.get(pk=counter.product.pk).stock == 3  # 5 − 3 sold + 1 returned


def test_returns_add_up_to_the_line_and_cannot_exceed_it(sale, counter):
    product_line = sale.lines.get(kind="product")
    first = refund(sale, counter, [RefundLine(product_line, Decimal("2"))],
                   [TenderInput(method="card", amount=Decimal("23.22"))])
    last = refund(sale, counter, [RefundLine(product_line, Decimal("1"))],
                  [TenderInput(method="card", amount=Decimal("11.61"))])
    assert first.total + last.total == -product_line.total
    assert first.vat + last.vat == -product_line.vat
    with pytest.raises(Conflict) as refusal:
        refund(sale, counter, [RefundLine(product_line, Decimal("1"))],
               [TenderInput(method="card", amount=Decimal("11.61"))])
    assert refusal.value.code == "refund_exceeds_sale"


def test_a_refund_in_cash_is_rounded_and_needs_the_till(sale, counter):
    credit = refund(sale, counter, [RefundLine(sale.lines.get(kind="product"), Decimal("1"))],
                    [TenderInput(method="cash", amount=Decimal("11.60"))])
    assert (credit.total, credit.rounding, credit.amount_paid) == (Decimal("-11.61"), Decimal("0.01"),
                                                                   Decimal("-11.60"))


def test_a_credit_receipt_cannot_be_refunded_and_a_reason_is_required(sale, counter):
    line = sale.lines.get(kind="service")
    with pytest.raises(Invalid):
        sale_refund(sale=sale, lines=[RefundLine(line, Decimal(1))], actor=counter.actor, reason=" ",
                    tenders=[TenderInput(method="card", amount=Decimal("49.00"))])
    credit = refund(sale, counter, [RefundLine(line, Decimal(1))], [TenderInput(method="card", amount=Decimal(49))])
    with pytest.raises(Conflict):
        refund(credit, counter, [RefundLine(credit.lines.get(), Decimal(1))],
               [TenderInput(method="card", amount=Decimal(49))])


def test_a_returned_gift_card_is_cancelled_unless_it_was_used(counter):
    sold = sell(counter, lines=[LineInput(kind="gift_card", unit_price=Decimal("50.00"))] * 2,
                tenders=[TenderInput(method="card", amount=Decimal("100.00"))])
    unused, used = [line for line in sold.lines.all()]
    sell(counter, tenders=[TenderInput(method="gift_card", amount=Decimal("49.00"), code=used.voucher.code)])
    refund(sold, counter, [RefundLine(unused, Decimal(1))], [TenderInput(method="card", amount=Decimal(50))])
    assert Voucher.objects.get(pk=unused.voucher_id).voided_at is not None
    with pytest.raises(Conflict) as refusal:
        refund(sold, counter, [RefundLine(used, Decimal(1))], [TenderInput(method="card", amount=Decimal(50))])
    assert refusal.value.code == "card_used"


def test_money_paid_by_gift_card_goes_back_onto_the_card(counter):
    sell(counter, lines=[LineInput(kind="gift_card", unit_price=Decimal("60.00"))],
         tenders=[TenderInput(method="card", amount=Decimal("60.00"))])
    card = Voucher.objects.get()
    paid = sell(counter, tenders=[TenderInput(method="gift_card", amount=Decimal("49.00"), code=card.code)])
    refund(paid, counter, [RefundLine(paid.lines.get(), Decimal(1))],
           [TenderInput(method="gift_card", amount=Decimal("49.00"), code=card.code)])
    card.refresh_from_db()
    assert card.balance == Decimal("60.00")
