"""/api/v1/invoices: create, read, credit, mark paid, remind, PDF and XML; roles, other organizations, 422s."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from api.tests.test_api import call, token_for  # noqa: F401 (fixture)
from billing.invoicing import billing_profile_save
from billing.models import Invoice
from kernel.audit import Actor
from tilli.test import make_client

pytestmark = pytest.mark.django_db
LINE = {"description": "Hieronta", "quantity": "2", "unit_price": "62.75", "vat_percent": "25.5"}


def _setup(world):
    billing_profile_save(organization=world.org, actor=Actor.system("test"), iban="FI7944052020036082",
                         bic="OKOYFIHH")
    company = make_client(world.org, kind="company", company_name="Yritys Oy", business_id="0112038-9",
                          first_name="", last_name="", email="laskut@yritys.test")
    return company


def test_an_invoice_through_the_api(world, token_for):  # noqa: F811
    company = _setup(world)
    token = token_for(world.reception)
    response = call("POST", "/invoices", token, {"client_id": company.pk, "lines": [LINE],
                                                  "buyer_reference": "PO-9"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["total"] == "125.50" and body["buyer_vat_id"] == "FI01120389" and body["number"] == 1
    assert body["lines"][0]["net"] == "100.00"
    invoice_id = body["id"]
    assert call("GET", f"/invoices/{invoice_id}", token).json()["reference"] == body["reference"]
    assert [i["id"] for i in call("GET", "/invoices", token).json()["items"]] == [invoice_id]
    pdf = call("GET", f"/invoices/{invoice_id}/pdf", token)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert b"<Finvoice" in call("GET", f"/invoices/{invoice_id}/xml/finvoice", token).content
    refused = call("GET", f"/invoices/{invoice_id}/xml/ksef", token)
    assert refused.status_code == 422 and refused.json()["code"] == "not_polish"
    paid = call("POST", f"/invoices/{invoice_id}/paid", token, {"paid_on": timezone.localdate().isoformat()})
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    again = call("POST", f"/invoices/{invoice_id}/paid", token, {"paid_on": timezone.localdate().isoformat()})
    assert again.status_code == 422 and again.json()["code"] == "not_open"
    credit = call("POST", f"/invoices/{invoice_id}/credit", token, {"reason": "Väärä hinta"})
    assert credit.status_code == 201 and credit.json()["total"] == "-125.50" and credit.json()["kind"] == "credit_note"
    assert call("POST", f"/invoices/{invoice_id}/credit", token, {"reason": "x"}).json()["code"] == "credited"


def test_overdue_and_reminders(world, token_for):  # noqa: F811
    company = _setup(world)
    token = token_for(world.accountant)
    old = (timezone.localdate() - dt.timedelta(days=40)).isoformat()
    late = call("POST", "/invoices", token, {"client_id": company.pk, "lines": [LINE], "issue_date": old}).json()
    fresh = call("POST", "/invoices", token, {"client_id": company.pk, "lines": [LINE]}).json()
    assert [i["id"] for i in call("GET", "/invoices/overdue", token).json()["items"]] == [late["id"]]
    reminded = call("POST", f"/invoices/{late['id']}/reminders", token, {"fee": "5.00"})
    assert reminded.status_code == 200 and reminded.json()["reminders_sent"] == 1
    assert reminded.json()["reminder_fees"] == "5.00"
    early = call("POST", f"/invoices/{fresh['id']}/reminders", token, {})
    assert early.status_code == 422 and early.json()["code"] == "not_overdue"


def test_bad_input_gets_a_422_with_a_code(world, token_for):  # noqa: F811
    company = _setup(world)
    token = token_for(world.owner)
    stale = call("POST", "/invoices", token, {"client_id": company.pk, "lines": [{**LINE, "vat_percent": "24"}]})
    assert stale.status_code == 422 and stale.json()["code"] == "vat"
    assert call("POST", "/invoices", token, {"client_id": company.pk, "lines": []}).status_code == 422
    negative = call("POST", "/invoices", token, {"client_id": company.pk, "lines": [{**LINE, "quantity": "-1"}]})
    assert negative.status_code == 422
    assert call("POST", "/invoices", token, {"client_id": company.pk, "lines": [LINE],
                                             "issue_date": "2999-01-01"}).json()["code"] == "date"
    assert not Invoice.objects.exists()


def test_roles_and_other_organizations(world, token_for):  # noqa: F811
    company = _setup(world)
    owner = token_for(world.owner)
    invoice_id = call("POST", "/invoices", owner, {"client_id": company.pk, "lines": [LINE]}).json()["id"]
    practitioner = token_for(world.practitioner)
    assert call("GET", "/invoices", practitioner).status_code == 403
    assert call("GET", f"/invoices/{invoice_id}", practitioner).status_code in (403, 404)
    outsider = token_for(world.outsider)
    for method, path, body in [("GET", f"/invoices/{invoice_id}", None), ("GET", f"/invoices/{invoice_id}/pdf", None),
                               ("POST", f"/invoices/{invoice_id}/paid", {"paid_on": "2026-12-01"}),
                               ("POST", f"/invoices/{invoice_id}/credit", {"reason": "x"})]:
        assert call(method, path, outsider, body).status_code == 404
    assert call("GET", "/invoices", outsider).json()["items"] == []
    assert call("POST", "/invoices", outsider, {"client_id": company.pk, "lines": [LINE]}).status_code == 404


def test_an_invoice_of_a_receipt(world, token_for):  # noqa: F811
    from billing.tests.test_fiscal import _sale

    company = _setup(world)
    sale = _sale(world.org, lines=[("Hieronta", Decimal(1), Decimal("62.75"), Decimal("25.5"), False, Decimal(0),
                                    Decimal("62.75"))], tenders=[("transfer", Decimal("62.75"))])
    token = token_for(world.reception)
    no_client = call("POST", "/invoices/from-sale", token, {"sale_id": sale.pk})
    assert no_client.status_code == 422 and no_client.json()["code"] == "client"
    made = call("POST", "/invoices/from-sale", token, {"sale_id": sale.pk, "client_id": company.pk})
    assert made.status_code == 201 and made.json()["total"] == "62.75" and made.json()["status"] == "open"
    again = call("POST", "/invoices/from-sale", token, {"sale_id": sale.pk, "client_id": company.pk})
    assert again.status_code == 422 and again.json()["code"] == "invoiced"
    outsider = call("POST", "/invoices/from-sale", token_for(world.outsider), {"sale_id": sale.pk})
    assert outsider.status_code == 404
