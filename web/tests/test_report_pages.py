"""Sales report pages and CSV: the owner and the accountant read them; practitioner and reception do not."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from billing.models import LineKind
from billing.tests.counter_factories import L, T, make_location, make_sale
from web.tests.privacy_helpers import english, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(world):
    location = make_location(world.org)
    make_sale(world.org, location=location, lines=[L("40.00", staff=world.practitioner)], tenders=[T("card", "40")])
    make_sale(world.org, location=location, lines=[L("12.99", vat="13.5", kind=LineKind.PRODUCT,
                                                     description="Shampoo")], tenders=[T("cash", "13")])
    make_sale(world.other_org, location=make_location(world.other_org), lines=[L("777.77", vat="23")],
              tenders=[T("card", "777.77")])


@pytest.mark.parametrize("kind", ["day", "staff", "service", "product", "commission", "liability", "journal"])
def test_the_accountant_reads_every_report(world, client_for, sales, kind):
    accountant = english(client_for(world.accountant))
    response = accountant.get(url(world, "web:sales_reports") + f"?kind={kind}")
    assert response.status_code == 200
    assert "777" not in response.content.decode()


def test_the_csv_of_the_journal_balances_and_names_its_columns(world, client_for, sales):
    today = timezone.localdate().isoformat()
    response = client_for(world.owner).get(url(world, "web:report_csv", kind="journal")
                                           + f"?first={today}&last={today}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["entry"] for r in rows} == {"SALES", "ROUNDING", "PAYMENT"}
    paid = sum(float(r["gross"]) for r in rows if r["entry"] == "PAYMENT")
    assert round(paid, 2) == 53.0


def test_practitioner_and_reception_cannot_see_reports(world, client_for, sales):
    for member in (world.practitioner, world.reception):
        client = client_for(member)
        assert client.get(url(world, "web:sales_reports")).status_code == 404
        assert client.get(url(world, "web:report_csv", kind="day")).status_code == 404


def test_a_bad_period_is_refused_with_a_message_not_a_500(world, client_for):
    owner = english(client_for(world.owner))
    response = owner.get(url(world, "web:sales_reports") + "?first=2030-02-01&last=2030-01-01")
    assert response.status_code == 422 and "The end must not be before the start" in response.content.decode()
    assert owner.get(url(world, "web:report_csv", kind="day") + "?first=x&last=y").status_code == 422
    assert owner.get(url(world, "web:report_csv", kind="nope")).status_code == 404


def test_the_gift_card_pdf_shows_the_code_value_and_expiry(world, client_for, tmp_path):
    import datetime as dt
    import subprocess

    from billing.tests.counter_factories import make_voucher

    card = make_voucher(world.org, code="GIFT-7QX2", value="75.00", expires_on=dt.date(2031, 5, 31))
    owner = english(client_for(world.owner))
    listing = owner.get(url(world, "web:sales_reports") + "?kind=liability").content.decode()
    card_url = url(world, "web:voucher_card", voucher_id=card.pk)
    assert card_url in listing
    response = owner.get(card_url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    pdf = tmp_path / "card.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "GIFT-7QX2" in text and "75.00 EUR" in text and "Salon Aurora" in text and "Gift card" in text
    assert qr_modules(pdf, tmp_path) == expected_modules("GIFT-7QX2")
    assert qr_modules(pdf, tmp_path) != expected_modules("GIFT-7QX3")
    assert client_for(world.practitioner).get(card_url).status_code == 200  # who sells prints the card
    assert client_for(world.outsider).get(card_url).status_code == 404


def expected_modules(code: str) -> list[list[bool]]:
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(code)
    qr.make(fit=True)
    return qr.get_matrix()


def qr_modules(pdf, tmp_path) -> list[list[bool]]:
    """Read the printed QR code's modules back from the rendered page: the dark square at the bottom right."""
    import subprocess

    from PIL import Image

    subprocess.run(["pdftoppm", "-png", "-r", "300", "-singlefile", str(pdf), str(tmp_path / "card")], check=True)
    page = Image.open(tmp_path / "card.png").convert("L")
    width, height = page.size
    area = page.crop((int(width * 0.55), int(height * 0.4), width, height))
    dark = area.point(lambda v: 255 if v < 128 else 0)
    left, top, right, _bottom = dark.getbbox()
    size = len(expected_modules("GIFT-7QX2"))
    step = (right - left) / size
    return [[area.getpixel((int(left + (x + 0.5) * step), int(top + (y + 0.5) * step))) < 128
             for x in range(size)] for y in range(size)]


def test_the_accountant_finds_the_z_reports_of_the_period(world, client_for):
    from decimal import Decimal

    from billing.till import till_close, till_open
    from web.tests.privacy_helpers import SYSTEM

    session = till_open(organization=world.org, location=make_location(world.org), opening_float=Decimal("0"),
                        actor=SYSTEM)
    till_close(organization=world.org, session=session, counted_cash=Decimal("0"), actor=SYSTEM)
    html = english(client_for(world.accountant)).get(url(world, "web:sales_reports")).content.decode()
    assert url(world, "web:z_report", session_id=session.pk) in html and "Z report 1" in html
