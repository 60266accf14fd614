"""Invoices in the panel: billing details, a new invoice with lines, its page, PDF and XML, payment, credit,
reminders; roles and other organizations."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.invoicing import LineInput, billing_profile_save, invoice_create
from billing.models import BillingProfile, Invoice, InvoiceStatus
from tilli.test import make_client
from web.tests.privacy_helpers import SYSTEM, english, url

pytestmark = pytest.mark.django_db
D = Decimal


def _profile(world):
    return billing_profile_save(organization=world.org, actor=SYSTEM, iban="FI7944052020036082", bic="OKOYFIHH",
                                vat_id="FI23456780")


def _invoice(world, client=None):
    _profile(world)
    client = client or make_client(world.org, email="anna@example.test")
    return invoice_create(organization=world.org, actor=SYSTEM, client=client, lines=[
        LineInput(description="Leikkaus", quantity=D(1), unit_price=D("62.75"), vat_percent=D("25.5"))])


def test_the_owner_keeps_the_billing_details_and_bad_input_is_shown(world, client_for):
    owner = english(client_for(world.owner))
    assert owner.get(url(world, "web:billing_profile")).status_code == 200
    response = owner.post(url(world, "web:billing_profile"), {
        "iban": "FI79 4405 2020 0360 83", "bic": "OKOYFIHH", "vat_id": "", "payment_terms_days": "14",
        "penalty_interest": "8"})
    assert response.status_code == 200 and "Enter a valid IBAN." in response.content.decode()
    response = owner.post(url(world, "web:billing_profile"), {
        "iban": "FI79 4405 2020 0360 82", "bic": "OKOYFIHH", "vat_id": "2345678-0", "payment_terms_days": "21",
        "penalty_interest": "8"})
    assert response.status_code == 302
    profile = BillingProfile.objects.get(organization=world.org)
    assert (profile.iban, profile.vat_id, profile.payment_terms_days) == ("FI7944052020036082", "FI23456780", 21)
    for member in (world.reception, world.accountant, world.practitioner):
        assert client_for(member).get(url(world, "web:billing_profile")).status_code == 404


def test_reception_issues_an_invoice_to_a_company_with_lines(world, client_for):
    _profile(world)
    company = make_client(world.org, kind="company", company_name="Yritys Oy", business_id="0112038-9",
                          first_name="", last_name="")
    contact = make_client(world.org, first_name="Aino", last_name="Aalto", company=company)
    reception = english(client_for(world.reception))
    found = reception.post(url(world, "web:invoice_new"), {"q": "Yritys"}).content.decode()
    assert reverse("web:invoice_new_for", args=[world.org.slug, company.pk]) in found
    page = url(world, "web:invoice_new_for", client_id=company.pk)
    form = {"contact_person": contact.pk, "issue_date": "2026-12-01", "sale_date": "2026-11-30",
            "payment_terms_days": "14", "language": "fi", "prices": "gross", "buyer_reference": "PO-1",
            "buyer_vat_id": "FI01120389", "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "1", "lines-MAX_NUM_FORMS": "50",
            "lines-0-description": "Hieronta", "lines-0-quantity": "2", "lines-0-unit_price": "62.75",
            "lines-0-vat": "25.5", "lines-1-description": "", "lines-1-quantity": "1", "lines-1-unit_price": "",
            "lines-1-vat": "25.5"}
    bad = reception.post(page, {**form, "lines-0-vat": "24"})
    assert bad.status_code == 200 and not Invoice.objects.exists()
    response = reception.post(page, form)
    assert response.status_code == 302, [x[:300] for x in response.content.decode().split('role="alert"')[1:]]
    invoice = Invoice.objects.get(organization=world.org)
    assert invoice.total == D("125.50") and invoice.contact_person == contact and invoice.buyer_reference == "PO-1"
    detail = reception.get(response["Location"]).content.decode()
    assert "125.50" in detail and invoice.reference[-5:] in detail.replace(" ", "")
    pdf = reception.get(url(world, "web:invoice_pdf", invoice_id=invoice.pk))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    xml = reception.get(url(world, "web:invoice_xml", invoice_id=invoice.pk, standard="finvoice"))
    assert xml.status_code == 200 and b"<Finvoice" in xml.content
    assert reception.get(url(world, "web:invoice_xml", invoice_id=invoice.pk, standard="ksef")).status_code == 302
    assert reception.get(url(world, "web:invoice_xml", invoice_id=invoice.pk, standard="x")).status_code == 404


def test_mark_paid_credit_and_lists(world, client_for):
    invoice = _invoice(world)
    accountant = english(client_for(world.accountant))
    listing = accountant.get(url(world, "web:invoices")).content.decode()
    assert str(invoice) in listing
    assert accountant.post(url(world, "web:invoice_paid", invoice_id=invoice.pk), {"paid_on": "2999-01-01"}
                           ).status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    accountant.post(url(world, "web:invoice_credit", invoice_id=invoice.pk), {"reason": "Wrong customer"})
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CREDITED and invoice.credit_notes.get().credit_reason == "Wrong customer"
    assert accountant.get(url(world, "web:invoices") + "?show=overdue").status_code == 200
    remind = accountant.post(url(world, "web:invoice_remind", invoice_id=invoice.pk), {"fee": "5"}, follow=True)
    assert "Only an open invoice can be reminded of." in remind.content.decode()


def test_no_other_role_or_organization_reaches_an_invoice(world, client_for):
    invoice = _invoice(world)
    practitioner = client_for(world.practitioner)
    outsider = client_for(world.outsider)
    for name, kwargs in [("web:invoices", {}), ("web:invoice_detail", {"invoice_id": invoice.pk}),
                         ("web:invoice_pdf", {"invoice_id": invoice.pk}), ("web:invoice_new", {})]:
        assert practitioner.get(url(world, name, **kwargs)).status_code == 404
    for name in ("web:invoice_detail", "web:invoice_pdf"):
        path = reverse(name, args=[world.other_org.slug, invoice.pk])
        assert outsider.get(path).status_code == 404
    path = reverse("web:invoice_paid", args=[world.other_org.slug, invoice.pk])
    assert outsider.post(path, {"paid_on": "2026-12-01"}).status_code == 404
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
