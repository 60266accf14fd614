"""Invoice PDFs in the invoice's language, with the bank barcode on Finnish invoices (read back as text)."""

from __future__ import annotations

import os
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from billing.invoice_pdf import invoice_pdf
from billing.invoicing import LineInput, billing_profile_save, invoice_create
from billing.tests.test_invoicing import ACTOR, PL_IBAN, fi_setup, massage
from tilli.test import make_client

D = Decimal
KEEP = os.environ.get("TILLI_KEEP_PDF")  # a directory: the PNGs are kept there to look at


def _text_and_png(pdf: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
    out = Path(KEEP) if KEEP else tmp_path
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(path), str(out / name)], check=True)
    return text


@pytest.mark.django_db
def test_a_finnish_invoice_pdf(world, tmp_path):
    world.org.street_address, world.org.postal_code, world.org.city = "Hämeenkatu 1", "33100", "Tampere"
    world.org.save()
    company, person = fi_setup(world)
    invoice = invoice_create(organization=world.org, actor=ACTOR, client=company, contact_person=person,
                             lines=[massage(), LineInput(description="Fysioterapia (Kela)", quantity=D("1"),
                                                         unit_price=D("80"), vat_percent=D("0"))], language="fi")
    text = _text_and_png(invoice_pdf(invoice), tmp_path, "invoice-fi")
    assert "Lasku" in text and "Eräpäivä" in text and "Viitenumero" in text
    assert "205,50" in text and "25,50" in text and "AVL 34" in text
    from billing.invoice_pdf import barcode_digits
    assert barcode_digits(invoice) in text.replace(" ", "")


@pytest.mark.django_db
def test_a_polish_invoice_pdf(world, tmp_path):
    world.other_org.street_address, world.other_org.postal_code, world.other_org.city = "ul. Piotrkowska 1", \
        "90-001", "Łódź"
    world.other_org.save()
    billing_profile_save(organization=world.other_org, actor=ACTOR, iban=PL_IBAN, vat_id="5261045122",
                         exemption_basis="art. 43 ust. 1 pkt 18 ustawy o VAT")
    firma = make_client(world.other_org, kind="company", company_name="Firma sp. z o.o.", business_id="7680002466",
                        first_name="", last_name="", street_address="ul. Długa 5", postal_code="00-950",
                        city="Warszawa")
    invoice = invoice_create(organization=world.other_org, actor=ACTOR, client=firma, lines=[
        LineInput(description="Strzyżenie", quantity=D("2"), unit_price=D("50.00"), vat_percent=D("23"),
                  price_includes_vat=False),
        LineInput(description="Zabieg rehabilitacyjny", quantity=D("1"), unit_price=D("150"), vat_percent=D("0"),
                  exempt=True)])
    text = _text_and_png(invoice_pdf(invoice), tmp_path, "invoice-pl")
    assert "Faktura VAT" in text and "NIP: 5261045122" in text and "NIP: 7680002466" in text
    assert "Data sprzedaży" in text and "zw" in text and "art. 43" in text
    assert "273,00" in text and "Przelew" in text


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "words"), [("sv", ["Faktura", "Förfallodag", "Referensnummer", "Momssats"]),
                                                 ("en", ["Invoice", "Due date", "Reference number", "VAT rate"])])
def test_the_pdf_is_in_the_invoices_language(world, tmp_path, language, words):
    company, _person = fi_setup(world)
    invoice = invoice_create(organization=world.org, actor=ACTOR, client=company, lines=[massage()],
                             language=language)
    text = _text_and_png(invoice_pdf(invoice), tmp_path, f"invoice-{language}")
    assert all(word in text for word in words), text
