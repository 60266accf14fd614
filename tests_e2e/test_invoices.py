"""Invoices in a real browser: the owner enters the billing details, issues an invoice to a company with two
lines, opens it and its PDF; pages shot at phone and desktop widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from billing.models import Invoice
from tests_e2e.conftest import open_menu, serious_axe_violations, shoot, sign_in
from tilli.test import make_client

pytestmark = pytest.mark.e2e


def test_owner_sets_billing_details_and_issues_an_invoice(page: Page, live_server, e2e_world, english,
                                                         csp_violations):
    world = e2e_world
    company = make_client(world.org, kind="company", company_name="Yritys Oy", business_id="0112038-9",
                          first_name="", last_name="", email="laskut@yritys.test")
    problems: list[str] = []
    sign_in(page, live_server.url, world.owner.user.email, world.owner_totp)
    open_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoices")
    page.get_by_role("link", name="Billing details").click()
    page.get_by_label("IBAN").fill("FI79 4405 2020 0360 83")
    page.get_by_label("BIC").fill("OKOYFIHH")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter a valid IBAN.")).to_be_visible()
    problems += shoot(page, "billing-details")
    page.get_by_label("IBAN").fill("FI79 4405 2020 0360 82")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Billing details saved.")).to_be_visible()

    page.goto(f"{live_server.url}/o/{world.org.slug}/invoices/new/")
    page.get_by_label("Find the customer").fill("Yritys")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Yritys Oy").click()
    rows = page.locator("table.invoice-lines tbody tr")
    rows.nth(0).get_by_label("Description").fill("Hieronta 60 min")
    rows.nth(0).get_by_label("Quantity").fill("2")
    rows.nth(0).get_by_label("Unit price").fill("62.75")
    rows.nth(1).get_by_label("Description").fill("Hiusöljy")
    rows.nth(1).get_by_label("Unit price").fill("20")
    rows.nth(1).get_by_label("VAT rate").select_option("13.5")
    problems += shoot(page, "invoice-new")
    problems += serious_axe_violations(page)
    page.get_by_role("button", name="Issue the invoice").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice 1/")
    invoice = Invoice.objects.get(organization=world.org)
    assert str(invoice.total) == "145.50" and invoice.client == company
    expect(page.get_by_text(invoice.reference[-5:]).first).to_be_visible()
    problems += shoot(page, "invoice-detail")
    problems += serious_axe_violations(page)
    with page.expect_response(lambda r: r.url.endswith("/pdf/")) as answer:
        page.evaluate("url => fetch(url)", f"/o/{world.org.slug}/invoices/{invoice.pk}/pdf/")
    assert answer.value.headers["content-type"] == "application/pdf"
    page.goto(f"{live_server.url}/o/{world.org.slug}/invoices/")
    problems += shoot(page, "invoice-list")
    assert problems == [] and csp_violations == []
