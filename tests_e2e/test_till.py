"""The till at phone and desktop widths: reception opens, takes cash out, closes; the owner's catalog and reports."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from billing.models import LineKind, TillSession
from billing.tests.counter_factories import L, T, make_location, make_sale
from tests_e2e.conftest import shoot, sign_in

pytestmark = pytest.mark.e2e


def test_reception_runs_the_till_and_prints_the_z_report(page: Page, live_server, e2e_world, english,
                                                         csp_violations):
    world = e2e_world
    location = make_location(world.org)
    sign_in(page, live_server.url, world.reception.user.email)
    page.goto(f"{live_server.url}/o/{world.org.slug}/till/")
    page.get_by_label("Float in the drawer").fill("150.00")
    page.get_by_role("button", name="Open the till").click()
    expect(page.get_by_text("The till is open.")).to_be_visible()
    session = TillSession.objects.get(organization=world.org)
    make_sale(world.org, location=location, session=session, lines=[L("40.00")], tenders=[T("cash", "50")])
    make_sale(world.org, location=location, session=session,
              lines=[L("12.99", vat="13.5", kind=LineKind.PRODUCT, description="Shampoo")],
              tenders=[T("card", "12.99")])
    page.reload()
    page.get_by_label("Kind").select_option("out")
    page.get_by_label("Amount").fill("5.50")
    page.get_by_label("Reason").fill("Milk for the coffee")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_text("Expected in the drawer: 184.50 EUR.")).to_be_visible()
    assert shoot(page, "70-till-open") == []
    page.get_by_label("Cash counted in the drawer").fill("184.00")
    page.get_by_role("button", name="Close and print the Z report").click()
    expect(page.get_by_role("heading", name="Z report 1")).to_be_visible()
    expect(page.locator(".z-report")).to_contain_text("-0.50")
    expect(page.locator(".z-report")).to_contain_text("Milk for the coffee")
    assert shoot(page, "71-z-report") == []
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    page.emulate_media(media="screen")
    assert csp_violations == []


def test_the_owner_sees_products_and_reports(page: Page, live_server, e2e_world, english, csp_violations):
    world = e2e_world
    location = make_location(world.org)
    make_sale(world.org, location=location, lines=[L("40.00", staff=world.practitioner)], tenders=[T("card", "40")])
    sign_in(page, live_server.url, world.owner.user.email, world.owner_totp)
    base = f"{live_server.url}/o/{world.org.slug}"
    page.goto(f"{base}/products/new/")
    page.get_by_label("Name").fill("Shampoo")
    page.get_by_label("Price (VAT included)").fill("12.90")
    page.get_by_label("VAT rate").select_option("13.5")
    page.get_by_label("EAN (barcode)").fill("4006381333931")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Product saved.")).to_be_visible()
    page.get_by_label("What happened").select_option("delivery")
    page.get_by_label("Number of items").fill("12")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_text("In stock: 12")).to_be_visible()
    assert shoot(page, "72-product") == []
    page.goto(f"{base}/reports/?kind=journal")
    expect(page.locator(".report-table")).to_contain_text("PAYMENT")
    assert shoot(page, "73-sales-journal") == []
    page.goto(f"{base}/reports/?kind=staff")
    expect(page.locator(".report-table")).to_contain_text("40.00")
    assert shoot(page, "74-sales-by-staff") == []
    assert csp_violations == []
