"""POST /api/v1/invoices/{id}/credit with lines: partial credit notes, their 422s, other organizations."""

from __future__ import annotations

import pytest

from api.tests.test_api import call, token_for  # noqa: F401 (fixture)
from api.tests.test_invoices import LINE, _setup
from billing.invoicing import LineInput, billing_profile_save, invoice_create
from billing.models import Invoice
from kernel.audit import Actor
from tilli.test import make_client

pytestmark = pytest.mark.django_db


def _other_orgs_line(world):
    billing_profile_save(organization=world.other_org, actor=Actor.system("test"),
                         iban="PL61109010140000071219812874")
    buyer = make_client(world.other_org, first_name="Jan", last_name="Nowak")
    return invoice_create(organization=world.other_org, actor=Actor.system("test"), client=buyer, lines=[
        LineInput(description="Masaż", quantity=1, unit_price=100, vat_percent=23)]).lines.get()


def test_a_partial_credit_through_the_api(world, token_for):  # noqa: F811
    company = _setup(world)
    token = token_for(world.accountant)
    invoice = call("POST", "/invoices", token, {"client_id": company.pk, "lines": [LINE]}).json()
    line_id = invoice["lines"][0]["id"]
    assert invoice["creditable"] == [{"line_id": line_id, "quantity": "2.000", "total": "125.50", "vat": "25.50"}]
    credit = call("POST", f"/invoices/{invoice['id']}/credit", token,
                  {"reason": "Yksi hoito peruttu", "lines": [{"line_id": line_id, "quantity": "1"}]})
    assert credit.status_code == 201, credit.json()
    body = credit.json()
    assert (body["total"], body["vat"], body["credits_id"]) == ("-62.75", "-12.75", invoice["id"])
    assert body["lines"][0]["credited_line_id"] == line_id and body["lines"][0]["quantity"] == "-1.000"
    after = call("GET", f"/invoices/{invoice['id']}", token).json()
    assert after["status"] == "open" and after["creditable"][0]["total"] == "62.75"
    lowered = call("POST", f"/invoices/{invoice['id']}/credit", token,
                   {"reason": "Alennus", "lines": [{"line_id": line_id, "amount": "12.75"}]})
    assert lowered.status_code == 201 and lowered.json()["total"] == "-12.75"
    rest = call("POST", f"/invoices/{invoice['id']}/credit", token, {"reason": "Loput"})
    assert rest.status_code == 201 and rest.json()["total"] == "-50.00"
    assert call("GET", f"/invoices/{invoice['id']}", token).json()["status"] == "credited"


def test_bad_credit_lines_get_a_422_with_a_code_and_write_nothing(world, token_for):  # noqa: F811
    company = _setup(world)
    token = token_for(world.owner)
    invoice = call("POST", "/invoices", token, {"client_id": company.pk, "lines": [LINE]}).json()
    line_id = invoice["lines"][0]["id"]
    other_invoice = call("POST", "/invoices", token, {"client_id": company.pk, "lines": [LINE]}).json()
    foreign = _other_orgs_line(world)
    path = f"/invoices/{invoice['id']}/credit"
    cases = [
        ([{"line_id": line_id, "quantity": "3"}], "over_credit"),
        ([{"line_id": line_id, "amount": "125.51"}], "over_credit"),
        ([{"line_id": line_id}], "credit_line"),
        ([{"line_id": other_invoice["lines"][0]["id"], "quantity": "1"}], "unknown_line"),
        ([{"line_id": foreign.pk, "quantity": "1"}], "unknown_line"),
        ([{"line_id": line_id, "quantity": "1"}, {"line_id": line_id, "quantity": "1"}], "duplicate_line"),
        ([], "no_lines"),
    ]
    for lines, code in cases:
        response = call("POST", path, token, {"reason": "x", "lines": lines})
        assert response.status_code == 422 and response.json()["code"] == code, (lines, response.json())
    for lines in ([{"line_id": line_id, "quantity": "-1"}], [{"line_id": "x", "quantity": "1"}],
                  [{"line_id": line_id, "quantity": "0.0001"}], [{"line_id": line_id, "amount": "1.001"}]):
        response = call("POST", path, token, {"reason": "x", "lines": lines})
        assert response.status_code == 422, (lines, response.json())
    assert not Invoice.objects.filter(kind="credit_note").exists()


def test_another_organizations_invoice_cannot_be_credited_in_part(world, token_for):  # noqa: F811
    company = _setup(world)
    invoice = call("POST", "/invoices", token_for(world.owner), {"client_id": company.pk, "lines": [LINE]}).json()
    line_id = invoice["lines"][0]["id"]
    outsider = token_for(world.outsider)
    response = call("POST", f"/invoices/{invoice['id']}/credit", outsider,
                    {"reason": "x", "lines": [{"line_id": line_id, "quantity": "1"}]})
    assert response.status_code == 404
    practitioner = call("POST", f"/invoices/{invoice['id']}/credit", token_for(world.practitioner),
                        {"reason": "x", "lines": [{"line_id": line_id, "quantity": "1"}]})
    assert practitioner.status_code in (403, 404)
    assert not Invoice.objects.filter(kind="credit_note").exists()
