"""The invoice page's credit form: lines and quantities (everything left by default), the reason, refusals in the
person's language, the credit notes and what is left; other organizations' invoices and lines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.invoicing import LineInput, billing_profile_save, invoice_create
from billing.models import Invoice, InvoiceStatus
from tilli.test import make_client
from web.tests.privacy_helpers import SYSTEM, english, url

pytestmark = pytest.mark.django_db
D = Decimal


def _invoice(world):
    billing_profile_save(organization=world.org, actor=SYSTEM, iban="FI7944052020036082", bic="OKOYFIHH")
    client = make_client(world.org, email="anna@example.test")
    return invoice_create(organization=world.org, actor=SYSTEM, client=client, lines=[
        LineInput(description="Leikkaus", quantity=D(1), unit_price=D("62.75"), vat_percent=D("25.5")),
        LineInput(description="Hoitoaine", quantity=D(3), unit_price=D("20"), vat_percent=D("25.5"))])


def test_staff_credit_one_line_in_part_and_the_page_shows_what_is_left(world, client_for):
    invoice = _invoice(world)
    cut, conditioner = invoice.lines.all()
    accountant = english(client_for(world.accountant))
    page = accountant.get(url(world, "web:invoice_detail", invoice_id=invoice.pk)).content.decode()
    assert f'name="quantity_{conditioner.pk}"' in page and 'value="3"' in page  # everything left, by default
    response = accountant.post(url(world, "web:invoice_credit", invoice_id=invoice.pk), {
        "reason": "One bottle returned", f"quantity_{cut.pk}": "0", f"amount_{cut.pk}": "",
        f"quantity_{conditioner.pk}": "1", f"amount_{conditioner.pk}": ""})
    assert response.status_code == 302
    invoice.refresh_from_db()
    note = invoice.credit_notes.get()
    assert invoice.status == InvoiceStatus.OPEN and note.total == D("-20.00")
    assert [line.credited_line_id for line in note.lines.all()] == [conditioner.pk]
    page = accountant.get(url(world, "web:invoice_detail", invoice_id=invoice.pk)).content.decode()
    assert "Partly credited" in page and str(note) in page and "One bottle returned" in page and "-20.00" in page
    assert "2 · 40.00 EUR" in page  # two bottles, 40.00, still creditable
    assert "Left to pay" in page and "102.75 €" in page  # 122.75 less 20.00
    listing = accountant.get(url(world, "web:invoices")).content.decode()
    assert "partly credited" in listing
    accountant.post(url(world, "web:invoice_credit", invoice_id=invoice.pk), {
        "reason": "The rest", f"quantity_{cut.pk}": "1", f"quantity_{conditioner.pk}": "2"})
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CREDITED and invoice.credit_notes.count() == 2
    page = accountant.get(url(world, "web:invoice_detail", invoice_id=invoice.pk)).content.decode()
    assert "Issue a credit note" not in page and "Partly credited" not in page


def test_too_much_is_refused_in_the_persons_language_and_the_form_keeps_what_was_entered(world, client_for):
    invoice = _invoice(world)
    cut, conditioner = invoice.lines.all()
    reception = client_for(world.reception)
    reception.cookies["django_language"] = "fi"
    response = reception.post(url(world, "web:invoice_credit", invoice_id=invoice.pk), {
        "reason": "Palautus", f"quantity_{cut.pk}": "0", f"quantity_{conditioner.pk}": "4"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Rivi 2: hyvitettävissä on enää enintään määrä 3 tai summa 60,00." in page
    assert 'value="4"' in page
    response = reception.post(url(world, "web:invoice_credit", invoice_id=invoice.pk), {
        "reason": "Palautus", f"quantity_{cut.pk}": "0", f"quantity_{conditioner.pk}": "0"})
    assert response.status_code == 422 and "Valitse, mitä hyvitetään." in response.content.decode()
    response = reception.post(url(world, "web:invoice_credit", invoice_id=invoice.pk), {
        "reason": "", f"quantity_{cut.pk}": "x", f"quantity_{conditioner.pk}": "-1"})
    assert response.status_code == 422
    assert not Invoice.objects.filter(credits=invoice).exists()


def test_another_organizations_invoice_or_line_cannot_be_credited(world, client_for):
    invoice = _invoice(world)
    cut = invoice.lines.first()
    outsider = client_for(world.outsider)
    path = reverse("web:invoice_credit", args=[world.other_org.slug, invoice.pk])
    assert outsider.post(path, {"reason": "x", f"quantity_{cut.pk}": "1"}).status_code == 404
    assert client_for(world.practitioner).post(url(world, "web:invoice_credit", invoice_id=invoice.pk), {
        "reason": "x", f"quantity_{cut.pk}": "1"}).status_code == 404
    mine = invoice_create(organization=world.org, actor=SYSTEM, client=invoice.client, lines=[
        LineInput(description="Föönaus", quantity=D(1), unit_price=D("30"), vat_percent=D("25.5"))])
    owner = english(client_for(world.owner))
    response = owner.post(url(world, "web:invoice_credit", invoice_id=mine.pk), {
        "reason": "x", f"quantity_{mine.lines.get().pk}": "0", f"quantity_{cut.pk}": "1"})  # a line of another
    assert response.status_code == 422 and "Choose what to credit." in response.content.decode()
    assert not Invoice.objects.filter(kind="credit_note").exists()
