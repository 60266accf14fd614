"""Finvoice 3.0 and KSeF FA(3) exports, field by field (the official XSDs could not be obtained: see
billing/einvoice/schemas/README.md); validated against the XSDs too when they are placed there."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from lxml import etree

from billing.einvoice import finvoice, ksef, split_address
from billing.invoicing import LineInput, billing_profile_save, invoice_create, invoice_credit
from billing.tests.test_invoicing import ACTOR, PL_IBAN, fi_setup, massage
from tilli.test import make_client

D = Decimal
SCHEMAS = Path(finvoice.__file__).parent / "schemas"
NS = {"f": ksef.NS}


def _text(root, path: str, ns=None) -> str:
    found = root.find(path, ns)
    assert found is not None, path
    return found.text


@pytest.mark.django_db
def test_finvoice_of_a_finnish_invoice(world):
    company, person = fi_setup(world)
    invoice = invoice_create(organization=world.org, actor=ACTOR, client=company, contact_person=person,
                             lines=[massage(), LineInput(description="Fysioterapia", quantity=D("1"),
                                                         unit_price=D("80"), vat_percent=D("0"))],
                             buyer_einvoice_address="003701120389", buyer_einvoice_operator="003721291126")
    root = etree.fromstring(finvoice.build(invoice))
    assert root.tag == "Finvoice" and root.get("Version") == "3.0"
    assert _text(root, "MessageTransmissionDetails/MessageReceiverDetails/ToIdentifier") == "003701120389"
    assert _text(root, "SellerPartyDetails/SellerPartyIdentifier") == "2345678-0"
    assert _text(root, "SellerPartyDetails/SellerOrganisationTaxCode") == "FI23456780"
    assert _text(root, "SellerInformationDetails/SellerAccountDetails/SellerAccountID") == "FI7944052020036082"
    assert _text(root, "BuyerPartyDetails/BuyerOrganisationName") == "Yritys Oy"
    assert _text(root, "BuyerPartyDetails/BuyerOrganisationTaxCode") == "FI01120389"
    assert _text(root, "BuyerContactPersonName") == "Aino Aalto"
    details = root.find("InvoiceDetails")
    assert _text(details, "InvoiceTypeCode") == "INV01" and _text(details, "InvoiceNumber") == str(invoice)
    assert _text(details, "InvoiceDate") == invoice.issue_date.strftime("%Y%m%d")
    assert [_text(details, p) for p in ("InvoiceTotalVatExcludedAmount", "InvoiceTotalVatAmount",
                                        "InvoiceTotalVatIncludedAmount")] == ["180,00", "25,50", "205,50"]
    specs = details.findall("VatSpecificationDetails")
    assert [(_text(s, "VatRatePercent"), _text(s, "VatCode"), _text(s, "VatBaseAmount"), _text(s, "VatRateAmount"))
            for s in specs] == [("25,5", "S", "100,00", "25,50"), ("0", "Z", "80,00", "0,00")]
    assert _text(specs[1], "VatFreeText").startswith("AVL 34")
    assert _text(details, "PaymentTermsDetails/PaymentOverDueFineDetails/PaymentOverDueFinePercent") == "11,5"
    rows = root.findall("InvoiceRow")
    assert [(_text(r, "ArticleName"), _text(r, "DeliveredQuantity"), _text(r, "UnitPriceAmount"),
             _text(r, "RowVatExcludedAmount"), _text(r, "RowAmount")) for r in rows] == [
        ("Hieronta 60 min", "2", "50,00", "100,00", "125,50"), ("Fysioterapia", "1", "80,00", "80,00", "80,00")]
    epi = root.find("EpiDetails/EpiPaymentInstructionDetails")
    assert _text(epi, "EpiRemittanceInfoIdentifier") == invoice.reference.rjust(20, "0")
    assert _text(epi, "EpiInstructedAmount") == "205,50"
    assert _text(epi, "EpiDateOptionDate") == invoice.due_date.strftime("%Y%m%d")
    assert _text(root, "EpiDetails/EpiPartyDetails/EpiBfiPartyDetails/EpiBfiIdentifier") == "OKOYFIHH"
    credit = invoice_credit(organization=world.org, actor=ACTOR, invoice=invoice, reason="Peruttu")
    root = etree.fromstring(finvoice.build(credit))
    assert _text(root, "InvoiceDetails/InvoiceTypeCode") == "INV02"
    assert _text(root, "InvoiceDetails/InvoiceTotalVatIncludedAmount") == "-205,50"
    assert _text(root, "InvoiceDetails/OriginalInvoiceNumber") == str(invoice)
    with pytest.raises(ValidationError):
        ksef.build(invoice)


@pytest.mark.django_db
def test_ksef_fa3_of_a_polish_invoice_and_its_correction(world):
    billing_profile_save(organization=world.other_org, actor=ACTOR, iban=PL_IBAN, vat_id="5261045122",
                         exemption_basis="art. 43 ust. 1 pkt 18 ustawy o VAT")
    firma = make_client(world.other_org, kind="company", company_name="Firma sp. z o.o.", business_id="7680002466",
                        first_name="", last_name="", street_address="ul. Długa 5", postal_code="00-950",
                        city="Warszawa")
    invoice = invoice_create(organization=world.other_org, actor=ACTOR, client=firma, lines=[
        LineInput(description="Strzyżenie", quantity=D("2"), unit_price=D("50.00"), vat_percent=D("23"),
                  price_includes_vat=False, unit="usł."),
        LineInput(description="Zabieg", quantity=D("1"), unit_price=D("150"), vat_percent=D("0"), exempt=True)])
    root = etree.fromstring(ksef.build(invoice))
    assert root.tag == f"{{{ksef.NS}}}Faktura"
    code = root.find("f:Naglowek/f:KodFormularza", NS)
    assert (code.text, code.get("kodSystemowy"), code.get("wersjaSchemy")) == ("FA", "FA (3)", "1-0E")
    assert _text(root, "f:Naglowek/f:WariantFormularza", NS) == "3"
    assert _text(root, "f:Podmiot1/f:DaneIdentyfikacyjne/f:NIP", NS) == "5261045122"
    assert _text(root, "f:Podmiot2/f:DaneIdentyfikacyjne/f:NIP", NS) == "7680002466"
    assert _text(root, "f:Podmiot2/f:Adres/f:AdresL1", NS) == "ul. Długa 5"
    assert _text(root, "f:Podmiot2/f:Adres/f:AdresL2", NS) == "00-950 Warszawa"
    fa = root.find("f:Fa", NS)
    children = [etree.QName(c).localname for c in fa]
    assert children[:9] == ["KodWaluty", "P_1", "P_2", "P_6", "P_13_1", "P_14_1", "P_13_7", "P_15", "Adnotacje"]
    assert [_text(fa, f"f:{p}", NS) for p in ("KodWaluty", "P_2", "P_13_1", "P_14_1", "P_13_7", "P_15")] == [
        "PLN", str(invoice), "100.00", "23.00", "150.00", "273.00"]
    assert _text(fa, "f:Adnotacje/f:Zwolnienie/f:P_19A", NS).startswith("art. 43")
    assert _text(fa, "f:RodzajFaktury", NS) == "VAT"
    rows = fa.findall("f:FaWiersz", NS)
    assert [(_text(r, "f:P_7", NS), _text(r, "f:P_8A", NS), _text(r, "f:P_8B", NS), _text(r, "f:P_9A", NS),
             _text(r, "f:P_11", NS), _text(r, "f:P_12", NS)) for r in rows] == [
        ("Strzyżenie", "usł.", "2", "50.00", "100.00", "23"), ("Zabieg", "szt.", "1", "150.00", "150.00", "zw")]
    assert _text(fa, "f:Platnosc/f:TerminPlatnosci/f:Termin", NS) == invoice.due_date.isoformat()
    assert _text(fa, "f:Platnosc/f:RachunekBankowy/f:NrRB", NS) == PL_IBAN[2:]
    credit = invoice_credit(organization=world.other_org, actor=ACTOR, invoice=invoice, reason="Błędna cena")
    fa = etree.fromstring(ksef.build(credit)).find("f:Fa", NS)
    assert _text(fa, "f:RodzajFaktury", NS) == "KOR" and _text(fa, "f:PrzyczynaKorekty", NS) == "Błędna cena"
    assert _text(fa, "f:DaneFaKorygowanej/f:NrFaKorygowanej", NS) == str(invoice)
    assert _text(fa, "f:P_15", NS) == "-273.00"
    with pytest.raises(ValidationError):
        finvoice.build(invoice)


def test_addresses_split_into_their_parts():
    assert split_address("Hämeenkatu 1\n33100 Tampere") == ("Hämeenkatu 1", "33100", "Tampere")
    assert split_address("ul. Długa 5\n00-950 Warszawa") == ("ul. Długa 5", "00-950", "Warszawa")
    assert split_address("") == ("", "", "")


@pytest.mark.django_db
@pytest.mark.skipif(not (SCHEMAS / "Finvoice3.0.xsd").exists() or not (SCHEMAS / "FA3" / "schemat.xsd").exists(),
                    reason="the official XSDs are not in billing/einvoice/schemas (see its README)")
def test_against_the_official_schemas_when_present(world):  # pragma: no cover - runs once the XSDs are added
    company, _person = fi_setup(world)
    invoice = invoice_create(organization=world.org, actor=ACTOR, client=company, lines=[massage()])
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "Finvoice3.0.xsd")))
    schema.assertValid(etree.fromstring(finvoice.build(invoice)))
