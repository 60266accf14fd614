"""Partial credit notes: chosen lines, quantities and amounts; several after one invoice, never more than it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from billing.invoice_pdf import amount_due, barcode_digits
from billing.invoicing import CreditLine, LineInput, invoice_create, invoice_credit, invoice_mark_paid
from billing.models import Invoice, InvoiceKind, InvoiceStatus, Product
from billing.selectors import creditable, credited_total
from billing.tests.test_invoicing import ACTOR, fi_setup, massage
from kernel.models import AuditEvent

D = Decimal


def _invoice(world, product=None):
    company, _person = fi_setup(world)
    lines = [massage()]  # 2 × 62.75 at 25.5 %
    if product is not None:
        lines.append(LineInput(description="Shampoo", quantity=D("3"), unit_price=D("20"), vat_percent=D("25.5"),
                               product_id=product.pk))
    return invoice_create(organization=world.org, actor=ACTOR, client=company, lines=lines)


def _credit(world, invoice, *parts, reason="Palautus"):
    return invoice_credit(organization=world.org, actor=ACTOR, invoice=invoice, reason=reason,
                          lines=[CreditLine(*part) for part in parts])


@pytest.fixture
def shampoo(world):
    return Product.objects.create(organization=world.org, name="Shampoo", price=D("20"), vat_rate=D("25.5"), stock=10)


@pytest.mark.django_db
def test_a_returned_quantity_is_credited_with_its_vat_and_the_stock_comes_back(world, shampoo):
    invoice = _invoice(world, shampoo)
    massage_line, shampoo_line = invoice.lines.all()
    shampoo.refresh_from_db()
    assert shampoo.stock == 7
    events = AuditEvent.objects.count()
    credit = _credit(world, invoice, (shampoo_line.pk, D("1")))
    invoice.refresh_from_db()
    shampoo.refresh_from_db()
    assert shampoo.stock == 8
    assert credit.kind == InvoiceKind.CREDIT_NOTE and credit.credits == invoice
    (line,) = credit.lines.all()
    assert (line.credited_line, line.quantity, line.total, line.vat) == (shampoo_line, D("-1"), D("-20.00"),
                                                                          D("-4.06"))
    assert (credit.total, credit.vat) == (D("-20.00"), D("-4.06"))
    assert invoice.status == InvoiceStatus.OPEN  # partly credited: it keeps its status
    assert AuditEvent.objects.count() == events + 1  # the credit note; the invoice itself did not change
    assert credited_total(invoice) == D("20.00")
    assert amount_due(invoice) == invoice.total - D("20.00")
    assert barcode_digits(invoice)[17:25] == "00016550"  # 165.50 left to pay: 125.50 + 60.00 - 20.00
    left = {row.line.pk: row for row in creditable(invoice)}
    assert (left[shampoo_line.pk].quantity, left[shampoo_line.pk].total) == (D("2"), D("40.00"))
    assert left[massage_line.pk].total == massage_line.total


@pytest.mark.django_db
def test_several_partial_credits_then_the_rest_credit_the_invoice_exactly(world, shampoo):
    invoice = _invoice(world, shampoo)
    massage_line, shampoo_line = invoice.lines.all()
    _credit(world, invoice, (massage_line.pk, D("0"), D("10.00")))  # a price lowered
    _credit(world, invoice, (shampoo_line.pk, D("1")), (massage_line.pk, D("1")))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    rest = invoice_credit(organization=world.org, actor=ACTOR, invoice=invoice, reason="Loput")
    invoice.refresh_from_db()
    shampoo.refresh_from_db()
    assert invoice.status == InvoiceStatus.CREDITED and shampoo.stock == 10
    assert [(line.quantity, line.credited_line_id) for line in rest.lines.all()] == [
        (D("-1"), massage_line.pk), (D("-2"), shampoo_line.pk)]
    notes = Invoice.objects.filter(credits=invoice)
    assert sum(n.total for n in notes) == -invoice.total and sum(n.vat for n in notes) == -invoice.vat
    assert all(row.credited and row.vat == 0 for row in creditable(invoice))
    assert [e.changed_fields for e in AuditEvent.objects.filter(object_id=str(invoice.pk),
                                                                object_type="billing.invoice")
            if "status" in e.changed_fields] == [["status"]]
    with pytest.raises(ValidationError) as error:
        _credit(world, invoice, (massage_line.pk, D("1")))
    assert error.value.code == "credited"


@pytest.mark.django_db
def test_the_whole_amount_of_every_line_in_parts_credits_the_invoice(world):
    invoice = _invoice(world)
    (line,) = invoice.lines.all()
    _credit(world, invoice, (line.pk, D("0"), D("100.00")))
    _credit(world, invoice, (line.pk, D("0"), line.total - D("100.00")))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CREDITED


@pytest.mark.django_db
def test_more_than_is_left_is_refused_per_line_and_nothing_is_written(world, shampoo):
    invoice = _invoice(world, shampoo)
    massage_line, shampoo_line = invoice.lines.all()
    _credit(world, invoice, (shampoo_line.pk, D("2")))
    count = Invoice.objects.count()
    refusals = [
        ((shampoo_line.pk, D("2")), "over_credit"),  # one is left
        ((shampoo_line.pk, D("0"), D("20.01")), "over_credit"),
        ((shampoo_line.pk, D("1"), D("0.01")), "over_credit"),
        ((massage_line.pk, D("0"), D("0")), "credit_line"),
        ((massage_line.pk, D("-1")), "credit_line"),
        ((massage_line.pk, D("0"), D("0.001")), "credit_line"),
        ((999999, D("1")), "unknown_line"),
    ]
    for part, code in refusals:
        with pytest.raises(ValidationError) as error:
            _credit(world, invoice, part)
        assert error.value.error_dict["lines"][0].code == code, part
    with pytest.raises(ValidationError) as error:
        _credit(world, invoice, (massage_line.pk, D("1")), (massage_line.pk, D("1")))
    assert error.value.error_dict["lines"][0].code == "duplicate_line"
    with pytest.raises(ValidationError) as error:
        invoice_credit(organization=world.org, actor=ACTOR, invoice=invoice, reason="x", lines=[])
    assert error.value.error_dict["lines"][0].code == "no_lines"
    assert Invoice.objects.count() == count
    shampoo.refresh_from_db()
    assert shampoo.stock == 9


@pytest.mark.django_db
def test_another_invoices_line_cannot_be_credited(world):
    invoice = _invoice(world)
    other = invoice_create(organization=world.org, actor=ACTOR, client=invoice.client, lines=[massage()])
    with pytest.raises(ValidationError) as error:
        _credit(world, invoice, (other.lines.get().pk, D("1")))
    assert error.value.error_dict["lines"][0].code == "unknown_line"


@pytest.mark.django_db
def test_a_paid_invoices_partial_credit_stays_open_until_the_money_is_returned(world):
    invoice = _invoice(world)
    invoice_mark_paid(organization=world.org, actor=ACTOR, invoice=invoice, paid_on=timezone.localdate())
    credit = _credit(world, invoice, (invoice.lines.get().pk, D("1")))
    invoice.refresh_from_db()
    assert credit.status == InvoiceStatus.OPEN and invoice.status == InvoiceStatus.PAID
    assert credit.total == D("-62.75") and credit.vat == D("-12.75")
    invoice_mark_paid(organization=world.org, actor=ACTOR, invoice=credit, paid_on=timezone.localdate())


@pytest.mark.django_db
def test_a_quantity_share_of_a_discounted_line_takes_its_share_of_the_discount(world):
    company, _person = fi_setup(world)
    invoice = invoice_create(organization=world.org, actor=ACTOR, client=company, lines=[
        LineInput(description="Kampaus", quantity=D("3"), unit_price=D("33.33"), vat_percent=D("25.5"),
                  discount_percent=D("10"))])
    line = invoice.lines.get()
    first = _credit(world, invoice, (line.pk, D("1")))
    second = _credit(world, invoice, (line.pk, D("1")))
    third = _credit(world, invoice, (line.pk, D("1")))
    totals = [n.lines.get().total for n in (first, second, third)]
    assert sum(totals) == -line.total and sum(n.vat for n in (first, second, third)) == -line.vat
    assert sum(n.lines.get().discount for n in (first, second, third)) == -line.discount
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CREDITED
