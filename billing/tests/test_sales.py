"""Selling at the counter: the receipt adds up, stock moves, cards are sold and redeemed, refusals are clear."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing import money
from billing.models import DocumentCounter, LineKind, Product, Sale, SaleKind, Voucher, VoucherKind
from billing.sales import Discount, LineInput, TenderInput
from billing.tests.checkout_kit import make_counter, sell
from kernel.models import AuditEvent, EventRecord
from tilli.errors import Conflict, Invalid, NotFound
from tilli.test import make_client

pytestmark = pytest.mark.django_db


def assert_adds_up(sale: Sale) -> None:
    lines = list(sale.lines.all())
    assert sum(line.total for line in lines) == sale.total
    assert sum(line.vat for line in lines) == sale.vat
    assert sum(line.discount for line in lines) == sale.discount
    assert sum(t.amount for t in sale.tenders.all()) == sale.total + sale.rounding


def test_a_split_payment_with_cash_gives_change_and_rounds_only_the_cash(world):
    counter = make_counter(world)
    sale = sell(counter, lines=[LineInput(kind="service", service=counter.service),
                                LineInput(kind="product", product=counter.product, quantity=Decimal("1"))],
                tenders=[TenderInput(method="card", amount=Decimal("40.00")),
                         TenderInput(method="cash", amount=Decimal("50.00"))])
    # 49.00 + 12.90 = 61.90; card 40.00; cash due 21.90 (already a multiple of 0.05); change 28.10
    assert (sale.total, sale.rounding, sale.change) == (Decimal("61.90"), Decimal("0.00"), Decimal("28.10"))
    assert {t.method: t.amount for t in sale.tenders.all()} == {"card": Decimal("40.00"), "cash": Decimal("21.90")}
    assert sale.till_session is not None and sale.receipt_number == 1
    assert_adds_up(sale)


def test_cash_is_rounded_to_five_cents_in_finland(world):
    counter = make_counter(world)
    sale = sell(counter, lines=[LineInput(kind="free", description="Hair clip", unit_price=Decimal("3.02"),
                                          vat_percent=Decimal("25.5"))],
                tenders=[TenderInput(method="cash", amount=Decimal("5.00"))])
    assert (sale.rounding, sale.change, sale.amount_paid) == (Decimal("-0.02"), Decimal("2.00"), Decimal("3.00"))
    assert_adds_up(sale)


def test_the_receipt_copies_seller_and_payer_and_the_vat_of_each_line(world):
    counter = make_counter(world)
    anna = make_client(world.org, street_address="Hämeenkatu 1", postal_code="33100", city="Tampere")
    sale = sell(counter, client=anna, lines=[LineInput(kind="service", service=counter.service)],
                tenders=[TenderInput(method="card", amount=Decimal("49.00"))])
    assert (sale.seller_name, sale.seller_business_id) == (world.org.name, world.org.business_id)
    assert sale.payer_name == "Anna Virtanen" and "Tampere" in sale.payer_address
    line = sale.lines.get()
    # 49.00 gross at 25.5 %: VAT 49 × 25.5 / 125.5 = 9.96
    assert (line.vat_rate, line.vat, line.total) == (Decimal("25.50"), Decimal("9.96"), Decimal("49.00"))


def test_discounts_per_line_and_per_sale_add_up(world):
    counter = make_counter(world)
    sale = sell(counter, lines=[LineInput(kind="service", service=counter.service, discount_percent=Decimal("10")),
                                LineInput(kind="product", product=counter.product, quantity=Decimal("2"),
                                          discount_amount=Decimal("1.00"))],
                sale_discount=Discount(amount=Decimal("5.00")),
                tenders=[TenderInput(method="card", amount=Decimal("63.90"))])
    # 49.00 − 4.90 = 44.10; 25.80 − 1.00 = 24.80; 68.90 − 5.00 = 63.90
    assert (sale.total, sale.discount) == (Decimal("63.90"), Decimal("10.90"))
    assert_adds_up(sale)


def test_a_product_sale_moves_stock_and_writes_one_audit_row_and_an_event(world):
    counter = make_counter(world, stock=3)
    before = AuditEvent.objects.filter(organization=world.org, object_type="billing.sale").count()
    sale = sell(counter, lines=[LineInput(kind="product", product=counter.product, quantity=Decimal("2"))],
                tenders=[TenderInput(method="mobilepay", amount=Decimal("25.80"))])
    assert Product.objects.get(pk=counter.product.pk).stock == 1
    assert AuditEvent.objects.filter(organization=world.org, object_type="billing.sale").count() == before + 1
    assert EventRecord.objects.filter(name="billing.sale_completed", payload__sale_id=sale.pk).exists()


def test_cash_without_an_open_till_is_refused_and_takes_no_number(world):
    counter = make_counter(world, open_till=False)
    with pytest.raises(Conflict) as refusal:
        sell(counter, tenders=[TenderInput(method="cash", amount=Decimal("50"))])
    assert refusal.value.code == "no_open_till"
    assert not Sale.objects.exists()
    assert sell(counter).receipt_number == 1  # a card sale needs no till, and the number was not lost


def test_payments_that_do_not_cover_the_total_are_refused(world):
    counter = make_counter(world)
    with pytest.raises(Invalid) as refusal:
        sell(counter, tenders=[TenderInput(method="card", amount=Decimal("40.00"))])
    assert refusal.value.code == "bad_tender" and "9.00" in str(refusal.value)


def test_a_stale_vat_rate_is_refused(world):
    counter = make_counter(world)
    counter.service.vat_rate = Decimal("24")
    counter.service.save()
    with pytest.raises(Invalid) as refusal:
        sell(counter)
    assert refusal.value.code == "vat_rate"


def test_a_gift_card_is_sold_outside_vat_and_redeemed_later(world):
    counter = make_counter(world)
    sold = sell(counter, lines=[LineInput(kind="gift_card", unit_price=Decimal("100.00"))],
                tenders=[TenderInput(method="card", amount=Decimal("100.00"))])
    card = Voucher.objects.get()
    assert (card.kind, card.balance, sold.vat) == (VoucherKind.GIFT_CARD, Decimal("100.00"), Decimal("0.00"))
    assert sold.lines.get().voucher == card
    paid = sell(counter, tenders=[TenderInput(method="gift_card", amount=Decimal("49.00"),
                                              code=card.code.lower().replace("-", " "))])
    card.refresh_from_db()
    assert card.balance == Decimal("51.00") and paid.vat == Decimal("9.96")
    assert card.uses.get().amount == Decimal("-49.00")


def test_a_gift_card_cannot_pay_more_than_its_balance_or_after_it_expired(world):
    counter = make_counter(world)
    sell(counter, lines=[LineInput(kind="gift_card", unit_price=Decimal("20.00"))],
         tenders=[TenderInput(method="card", amount=Decimal("20.00"))])
    card = Voucher.objects.get()
    with pytest.raises(Conflict) as refusal:
        sell(counter, tenders=[TenderInput(method="gift_card", amount=Decimal("49.00"), code=card.code)])
    assert refusal.value.code == "card_balance"
    Voucher.objects.filter(pk=card.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(Conflict) as refusal:
        sell(counter, tenders=[TenderInput(method="gift_card", amount=Decimal("10.00"), code=card.code),
                               TenderInput(method="card", amount=Decimal("39.00"))])
    assert refusal.value.code == "card_expired"
    with pytest.raises(NotFound):
        sell(counter, tenders=[TenderInput(method="gift_card", amount=Decimal("10.00"), code="NOPE-NOPE-NOPE")])


def test_a_series_card_pays_for_its_service_one_visit_at_a_time(world):
    counter = make_counter(world)
    sell(counter, lines=[LineInput(kind="series_card", service=counter.service, visits=2, unit_price=Decimal("90"))],
         tenders=[TenderInput(method="card", amount=Decimal("90.00"))])
    card = Voucher.objects.get(kind=VoucherKind.SERIES_CARD)
    assert (card.visits_left, card.visit_value) == (2, Decimal("45.00"))
    for _visit in range(2):
        sale = sell(counter, tenders=[TenderInput(method="series_card", code=card.code)])
        assert sale.tenders.get().amount == Decimal("49.00")
    card.refresh_from_db()
    assert card.visits_left == 0
    with pytest.raises(Conflict) as refusal:
        sell(counter, tenders=[TenderInput(method="series_card", code=card.code)])
    assert refusal.value.code == "card_balance"
    with pytest.raises(Conflict) as refusal:  # it pays only for its own service
        sell(counter, lines=[LineInput(kind="product", product=counter.product)],
             tenders=[TenderInput(method="series_card", code=card.code)])


def test_receipt_numbers_continue_after_the_legacy_payments(world):
    DocumentCounter.objects.create(organization=world.org, series="receipt", year=0, last=41)
    assert sell(make_counter(world)).receipt_number == 42


def test_a_restricted_client_cannot_be_sold_to(world):
    counter = make_counter(world)
    anna = make_client(world.org)
    anna.restricted_at = timezone.now()
    with pytest.raises(Conflict):
        sell(counter, client=anna)


def test_objects_of_another_organization_are_refused(world):
    counter = make_counter(world)
    theirs = make_counter(world, organization=world.other_org)
    with pytest.raises(Invalid):
        sell(counter, lines=[LineInput(kind="service", service=theirs.service)])
    with pytest.raises(Invalid):
        sell(counter, lines=[LineInput(kind="product", product=theirs.product)])


def test_a_line_kind_needs_its_data(world):
    counter = make_counter(world)
    for line in (LineInput(kind="free", description="", unit_price=Decimal(1), vat_percent=Decimal("25.5")),
                 LineInput(kind="gift_card"), LineInput(kind="series_card", service=counter.service),
                 LineInput(kind="product", product=counter.product, quantity=Decimal("1.5")),
                 LineInput(kind="nonsense")):
        with pytest.raises(Invalid):
            sell(counter, lines=[line])
    with pytest.raises(Invalid):
        sell(counter, lines=[])
    assert not Sale.objects.exists() and LineKind.FREE == "free"


def test_credit_kind_is_only_made_by_a_refund(world):
    assert sell(make_counter(world)).kind == SaleKind.SALE


@st.composite
def baskets(draw):
    lines = []
    for _i in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["service", "product", "free"]))
        percent = draw(st.sampled_from([Decimal(0), Decimal(10), Decimal("12.5"), Decimal(100)]))
        if kind == "free":
            lines.append(LineInput(kind="free", description="Extra", unit_price=draw(prices), quantity=Decimal(1),
                                   vat_percent=draw(st.sampled_from([Decimal("25.5"), Decimal("13.5"),
                                                                     Decimal("10"), Decimal("0")])),
                                   discount_percent=percent))
        else:
            lines.append(LineInput(kind=kind, quantity=Decimal(draw(st.integers(1, 4))), discount_percent=percent))
    return lines, draw(st.sampled_from([Decimal(0), Decimal(5), Decimal("33.33")])), draw(prices)


prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(basket=baskets())
def test_any_basket_paid_by_card_and_cash_adds_up(world, counter, basket):
    """The fixtures are built once for all examples; each example is one more sale on the same counter."""
    entered, sale_percent, card_part = basket
    lines = [LineInput(**{**vars(line), "service": counter.service if line.kind == "service" else None,
                          "product": counter.product if line.kind == "product" else None}) for line in entered]
    priced = money.price([money.Line(unit_price=line.unit_price or (counter.service.price if line.kind == "service"
                                                                   else counter.product.price),
                                     quantity=line.quantity, vat_percent=Decimal("25.5") if line.kind != "free"
                                     else line.vat_percent, discount_percent=line.discount_percent)
                          for line in lines], discount_percent=sale_percent)
    total = priced.total
    card = min(card_part, total)
    tenders = [TenderInput(method="card", amount=card)] if card else []
    if total - card:
        tenders.append(TenderInput(method="cash", amount=money.round_cash(total - card, "FI") + Decimal("5")))
    sale = sell(counter, lines=lines, tenders=tenders, sale_discount=Discount(percent=sale_percent))
    assert_adds_up(sale)
    assert sale.change == Decimal("5.00") or not (total - card)
    assert abs(sale.rounding) <= Decimal("0.02") and sale.total == total


@pytest.fixture
def counter(world):
    return make_counter(world, stock=1000)

