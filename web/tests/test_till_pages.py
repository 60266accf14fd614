"""The till page: reception opens, moves cash and closes; the Z report page and its PDF."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import pytest

from billing.models import CashMovement, TillSession
from billing.tests.counter_factories import L, T, make_location, make_sale
from billing.till import till_open
from web.tests.privacy_helpers import SYSTEM, english, url

pytestmark = pytest.mark.django_db


def test_reception_opens_moves_cash_and_closes_the_till(world, client_for):
    location = make_location(world.org)
    reception = english(client_for(world.reception))
    assert reception.get(url(world, "web:tills")).status_code == 302  # one location: its till page at once
    page = reception.get(url(world, "web:till", location_id=location.pk))
    assert page.status_code == 200 and "Open the till" in page.content.decode()
    assert reception.post(url(world, "web:till_open", location_id=location.pk),
                          {"opening_float": "100.00"}).status_code == 302
    session = TillSession.objects.get(organization=world.org)
    make_sale(world.org, location=location, session=session, lines=[L("40.00")], tenders=[T("cash", "50")])
    assert reception.post(url(world, "web:till_cash", location_id=location.pk),
                          {"kind": "out", "amount": "10.00", "reason": "Coffee"}).status_code == 302
    html = reception.get(url(world, "web:till", location_id=location.pk)).content.decode()
    assert "Expected in the drawer: 130.00 EUR" in html
    response = reception.post(url(world, "web:till_close", location_id=location.pk), {"counted_cash": "129.50"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.z_number == 1 and session.difference == Decimal("-0.50")
    z = reception.get(response["Location"]).content.decode()
    assert "Z report 1" in z and "-0.50" in z and "Coffee" in z


def test_bad_input_stays_on_the_form_with_a_translated_error(world, client_for):
    location = make_location(world.org)
    reception = client_for(world.reception)
    reception.cookies["django_language"] = "fi"
    response = reception.post(url(world, "web:till_open", location_id=location.pk), {"opening_float": "-5"})
    assert response.status_code == 422 and not TillSession.objects.exists()
    till_open(organization=world.org, location=location, opening_float=Decimal("0"), actor=SYSTEM)
    response = reception.post(url(world, "web:till_cash", location_id=location.pk),
                              {"kind": "in", "amount": "abc", "reason": ""})
    assert response.status_code == 422 and not CashMovement.objects.exists()
    assert "Tämä kenttä vaaditaan" in response.content.decode()


def test_a_practitioner_cannot_use_the_till_and_the_accountant_reads_z_reports_only(world, client_for):
    location = make_location(world.org)
    session = till_open(organization=world.org, location=location, opening_float=Decimal("0"), actor=SYSTEM)
    practitioner = client_for(world.practitioner)
    assert practitioner.get(url(world, "web:till", location_id=location.pk)).status_code == 404
    assert practitioner.get(url(world, "web:z_report", session_id=session.pk)).status_code == 404
    accountant = client_for(world.accountant)
    assert accountant.post(url(world, "web:till_close", location_id=location.pk),
                           {"counted_cash": "0"}).status_code == 404
    assert accountant.get(url(world, "web:z_report", session_id=session.pk)).status_code == 200


def test_the_z_report_pdf_has_the_figures(world, client_for, tmp_path):
    location = make_location(world.org)
    session = till_open(organization=world.org, location=location, opening_float=Decimal("50"), actor=SYSTEM)
    make_sale(world.org, location=location, session=session, lines=[L("12.99", vat="13.5")],
              tenders=[T("cash", "20")])
    from billing.till import till_close

    till_close(organization=world.org, session=session, counted_cash=Decimal("63.00"), actor=SYSTEM)
    assert english(client_for(world.owner)).get(url(world, "web:z_report_pdf", session_id=session.pk))
    response = english(client_for(world.owner)).get(url(world, "web:z_report_pdf", session_id=session.pk))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    pdf = tmp_path / "z.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Z report 1" in text and "13.5 %" in text and "12.99" in text and "63.00" in text
    assert "Salon Aurora" in text
