"""A partial credit note as a document: the PDF (before, after, difference), Finvoice and KSeF FA(3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from billing.einvoice import finvoice, ksef
from billing.invoice_pdf import invoice_pdf
from billing.invoicing import CreditLine, LineInput, billing_profile_save, invoice_create, invoice_credit
from billing.tests.test_einvoice import NS, _text
from billing.tests.test_invoice_pdf import _text_and_png
from billing.tests.test_invoicing import ACTOR, PL_IBAN, fi_setup, massage
from tilli.test import make_client

D = Decimal


def _polish(world):
    billing_profile_save(organization=world.other_org, actor=ACTOR, iban=PL_IBAN, vat_id="5261045122")
    firma = make_client(world.other_org, kind="company", company_name="Firma sp. z o.o.", business_id="7680002466",
                        first_name="", last_name="", street_address="ul. Długa 5", postal_code="00-950",
                        city="Warszawa")
    return invoice_create(organization=world.other_org, actor=ACTOR, client=firma, language="pl", lines=[
        LineInput(description="Strzyżenie", quantity=D("2"), unit_price=D("50.00"), vat_percent=D("23"),
                  price_includes_vat=False, unit="usł."),
        LineInput(description="Szampon", quantity=D("4"), unit_price=D("20.00"), vat_percent=D("23"),
                  price_includes_vat=False)])


@pytest.mark.django_db
def test_the_ksef_correction_lists_each_corrected_line_before_and_after(world):
    invoice = _polish(world)
    cut, shampoo = invoice.lines.all()
    invoice_credit(organization=world.other_org, actor=ACTOR, invoice=invoice, reason="Zwrot",
                   lines=[CreditLine(shampoo.pk, D("1"))])
    credit = invoice_credit(organization=world.other_org, actor=ACTOR, invoice=invoice, reason="Rabat i zwrot",
                            lines=[CreditLine(shampoo.pk, D("1")), CreditLine(cut.pk, amount=D("12.30"))])
    fa = etree.fromstring(ksef.build(credit)).find("f:Fa", NS)
    assert _text(fa, "f:RodzajFaktury", NS) == "KOR" and _text(fa, "f:PrzyczynaKorekty", NS) == "Rabat i zwrot"
    assert _text(fa, "f:DaneFaKorygowanej/f:NrFaKorygowanej", NS) == str(invoice)
    assert _text(fa, "f:DaneFaKorygowanej/f:DataWystFaKorygowanej", NS) == invoice.issue_date.isoformat()
    # the differences: one bottle (20.00 net) and 10.00 net off the haircut
    assert (_text(fa, "f:P_13_1", NS), _text(fa, "f:P_14_1", NS), _text(fa, "f:P_15", NS)) == (
        "-30.00", "-6.90", "-36.90")
    rows = [(_text(r, "f:NrWierszaFa", NS), _text(r, "f:P_7", NS), _text(r, "f:P_8B", NS), _text(r, "f:P_9A", NS),
             _text(r, "f:P_11", NS), r.findtext("f:StanPrzed", None, NS)) for r in fa.findall("f:FaWiersz", NS)]
    assert rows == [
        ("1", "Strzyżenie", "2", "50.00", "100.00", "1"), ("2", "Strzyżenie", "2", "45.00", "90.00", None),
        ("3", "Szampon", "3", "20.00", "60.00", "1"), ("4", "Szampon", "2", "20.00", "40.00", None)]
    row = fa.findall("f:FaWiersz", NS)[0]
    assert etree.QName(row[-1]).localname == "StanPrzed"  # the last element of FaWiersz


@pytest.mark.django_db
def test_the_finvoice_of_a_partial_credit_note_refers_to_the_invoice(world):
    company, _person = fi_setup(world)
    invoice = invoice_create(organization=world.org, actor=ACTOR, client=company, lines=[
        massage(), LineInput(description="Shampoo", quantity=D("3"), unit_price=D("20"), vat_percent=D("25.5"))])
    shampoo = invoice.lines.get(description="Shampoo")
    credit = invoice_credit(organization=world.org, actor=ACTOR, invoice=invoice, reason="Palautettu pullo",
                            lines=[CreditLine(shampoo.pk, D("1"))])
    root = etree.fromstring(finvoice.build(credit))
    assert _text(root, "InvoiceDetails/InvoiceTypeCode") == "INV02"
    assert _text(root, "InvoiceDetails/OriginCode") == "Original"
    assert _text(root, "InvoiceDetails/OriginalInvoiceNumber") == str(invoice)
    assert _text(root, "InvoiceDetails/InvoiceTotalVatIncludedAmount") == "-20,00"
    assert _text(root, "InvoiceDetails/InvoiceTotalVatAmount") == "-4,06"
    assert "Palautettu pullo" in _text(root, "InvoiceDetails/InvoiceFreeText")
    assert str(invoice) in _text(root, "InvoiceDetails/InvoiceFreeText")
    (row,) = root.findall("InvoiceRow")
    assert (_text(row, "ArticleName"), _text(row, "DeliveredQuantity"), _text(row, "RowAmount")) == (
        "Shampoo", "-1", "-20,00")
    # the invoice asks for what is left to pay: 125.50 + 60.00 - 20.00
    assert _text(etree.fromstring(finvoice.build(invoice)), "EpiDetails/EpiPaymentInstructionDetails/"
                 "EpiInstructedAmount") == "165,50"
    whole = invoice_credit(organization=world.org, actor=ACTOR, invoice=invoice, reason="Loput")
    assert _text(etree.fromstring(finvoice.build(whole)), "InvoiceDetails/OriginCode") == "Original"  # still part


@pytest.mark.django_db
def test_a_whole_invoice_credit_note_stays_as_it_was(world):
    company, _person = fi_setup(world)
    invoice = invoice_create(organization=world.org, actor=ACTOR, client=company, lines=[massage()])
    credit = invoice_credit(organization=world.org, actor=ACTOR, invoice=invoice, reason="Peruttu")
    root = etree.fromstring(finvoice.build(credit))
    assert _text(root, "InvoiceDetails/OriginCode") == "Cancel"
    assert _text(root, "InvoiceDetails/InvoiceFreeText") == "Peruttu"


@pytest.mark.django_db
def test_the_pdf_of_a_partial_credit_note_prints_before_after_and_the_difference(world, tmp_path):
    invoice = _polish(world)
    _cut, shampoo = invoice.lines.all()
    credit = invoice_credit(organization=world.other_org, actor=ACTOR, invoice=invoice, reason="Zwrot towaru",
                            lines=[CreditLine(shampoo.pk, D("1"))])
    text = _text_and_png(invoice_pdf(credit), tmp_path, "partial-credit-pl")
    assert "Faktura korygująca" in text and "Zwrot towaru" in text and str(invoice) in text
    assert "przed korektą" in text.lower() and "po korekcie" in text.lower() and "Różnica" in text  # labels: capitals
    assert "Strzyżenie" not in text  # only the corrected line
    assert "-24,60" in text and "-4,60" in text  # the bottle's gross and VAT
    assert "98,40" in text and "73,80" in text  # four bottles before, three after
    text = _text_and_png(invoice_pdf(invoice), tmp_path, "partly-credited-pl")
    assert f"Skorygowano fakturami korygującymi {credit}: 24,60 PLN" in " ".join(text.split())
    assert "221,40" in text and "196,80" in text  # the invoice's total, and what is left to pay
