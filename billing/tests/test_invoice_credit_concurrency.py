"""Two partial credits of one invoice at once: the invoice row is locked, so they never credit more than it holds.

Real threads with their own database connections (transaction=True). Run also on PostgreSQL:
`bin/with-postgres .venv/bin/python -m pytest billing/tests/test_invoice_credit_concurrency.py`."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.invoicing import CreditLine, LineInput, invoice_create, invoice_credit
from billing.models import Invoice, InvoiceKind, InvoiceStatus, Product
from billing.tests.test_invoicing import ACTOR, fi_setup, massage
from billing.tests.test_sales_concurrency import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def _invoice(world):
    company, _person = fi_setup(world)
    product = Product.objects.create(organization=world.org, name="Shampoo", price=D("20"), vat_rate=D("25.5"),
                                     stock=10)
    invoice = invoice_create(organization=world.org, actor=ACTOR, client=company, lines=[
        massage(), LineInput(description="Shampoo", quantity=D("3"), unit_price=D("20"), vat_percent=D("25.5"),
                             product_id=product.pk)])
    return invoice, product


def test_two_partial_credits_racing_for_the_same_units_credit_them_once(world):
    invoice, product = _invoice(world)
    shampoo_line = invoice.lines.get(product=product)

    def credit():
        return invoice_credit(organization=world.org, actor=ACTOR, invoice=invoice, reason="Palautus",
                              lines=[CreditLine(shampoo_line.pk, D("2"))])

    results, errors = run_in_threads(2, credit)
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError) and errors[0].error_dict["lines"][0].code == "over_credit"
    product.refresh_from_db()
    assert product.stock == 9  # 10 - 3 sold + 2 back, once
    notes = Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE, credits=invoice)
    assert notes.count() == 1 and notes.get().total == D("-40.00")


def test_partial_credits_racing_to_the_end_never_exceed_the_invoice(world):
    invoice, _product = _invoice(world)
    massage_line = invoice.lines.get(product=None)

    def credit():
        return invoice_credit(organization=world.org, actor=ACTOR, invoice=invoice, reason="Hinnanalennus",
                              lines=[CreditLine(massage_line.pk, amount=D("100.00"))])

    results, errors = run_in_threads(3, credit)
    assert len(results) == 1 and len(errors) == 2  # 125.50: a second 100.00 would be too much
    assert all(e.error_dict["lines"][0].code == "over_credit" for e in errors)
    rest = invoice_credit(organization=world.org, actor=ACTOR, invoice=invoice, reason="Loput")
    invoice.refresh_from_db()
    credited = sum(n.total for n in Invoice.objects.filter(credits=invoice))
    assert credited == -invoice.total and invoice.status == InvoiceStatus.CREDITED
    assert rest.total == -(invoice.total - D("100.00"))
