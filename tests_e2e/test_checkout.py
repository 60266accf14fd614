"""The checkout in Chromium: a split payment (card and cash with change) and a gift card redeemed, the live
amount left to pay, the receipt page; screenshots of both at phone and desktop width."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from billing.models import Sale, Voucher
from billing.sales import LineInput, TenderInput
from billing.tests.checkout_kit import make_counter, sell
from tests_e2e.conftest import PHONE, SCREENSHOTS, serious_axe_violations, shoot, sign_in
from tilli.test import make_client

pytestmark = pytest.mark.e2e


def test_checkout_with_a_split_payment_and_a_gift_card(page: Page, live_server, e2e_world, english, csp_violations):
    world = e2e_world
    counter = make_counter(world)
    sell(counter, lines=[LineInput(kind="gift_card", unit_price=Decimal("20.00"))],
         tenders=[TenderInput(method="card", amount=Decimal("20.00"))])
    code = Voucher.objects.get().code
    anna = make_client(world.org, email="anna@example.test")
    base = live_server.url
    sign_in(page, base, world.reception.user.email)
    page.goto(base + reverse("web:checkout", kwargs={"org_slug": world.org.slug}) + f"?client={anna.pk}")
    page.get_by_label("Add a service").select_option(str(counter.service.pk))
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_label("Find a product (name, SKU or EAN)").fill("SH-1")
    page.get_by_role("button", name="Shampoo").click()
    expect(page.locator("#total")).to_have_text("61.90")
    # 61.90: 20.00 on the gift card, 25.00 by card, the rest in cash from a 20 note
    page.locator("[name=t0-amount]").fill("25.00")
    page.get_by_role("button", name="Pay with a gift card").click()
    page.locator("[name=t1-code]").fill(code.lower())
    page.locator("[name=t1-amount]").fill("20.00")
    page.locator("[name=t1-amount]").press("Tab")
    expect(page.locator("#card-1")).to_contain_text("20.00")
    page.get_by_role("button", name="Add cash").click()
    expect(page.locator("#left-to-pay")).to_have_text("16.90")
    page.locator("[name=t2-amount]").fill("20.00")
    expect(page.locator("#left-to-pay")).to_have_text("0.00")  # live: HTMX swaps the totals while typing
    expect(page.locator("#change")).to_have_text("3.10")
    problems = shoot(page, "checkout")
    page.get_by_role("button", name="Complete the sale").click()
    expect(page.get_by_role("heading", name="Receipt 2", level=1)).to_be_visible()
    sale = Sale.objects.get(receipt_number=2)
    assert (sale.total, sale.change, sale.client) == (Decimal("61.90"), Decimal("3.10"), anna)
    assert Voucher.objects.get().balance == 0
    expect(page.locator(".receipt")).to_contain_text(world.org.business_id)
    problems += shoot(page, "receipt")
    page.emulate_media(media="print")
    page.screenshot(path=SCREENSHOTS / "receipt-print.png", full_page=True)
    assert problems == [] and csp_violations == []


def test_a_walk_in_client_is_found_and_picked_on_the_checkout_page(page: Page, live_server, e2e_world, english,
                                                                   csp_violations):
    world = e2e_world
    counter = make_counter(world)
    anna = make_client(world.org, email="anna@example.test", phone="+358401234567")
    make_client(world.org, first_name="Bertil", last_name="Ek")
    make_client(world.other_org, first_name="Anna", last_name="Virtanen", email="anna@other.test")
    base = live_server.url
    sign_in(page, base, world.reception.user.email)
    page.goto(base + reverse("web:checkout", kwargs={"org_slug": world.org.slug}))
    expect(page.get_by_text("Walk-in sale (no client)")).to_be_visible()
    page.get_by_label("Find the client (name, phone or email)").press_sequentially("virt", delay=40)
    choice = page.locator("#client-results").get_by_role("button", name="Anna Virtanen")
    expect(choice).to_have_count(1)  # live: HTMX shows the results while typing; the other organization's Anna is not
    expect(page.locator("#client-results")).not_to_contain_text("anna@other.test")
    expect(page.locator("#client-results")).not_to_contain_text("Bertil")
    problems = shoot(page, "checkout-client-search") + serious_axe_violations(page)
    choice.click()
    expect(page.locator("#checkout-client-name")).to_have_text("Anna Virtanen")
    expect(page.get_by_label("Choose another client (name, phone or email)")).to_have_value("")
    page.get_by_label("Add a service").select_option(str(counter.service.pk))
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_role("button", name="Use the client's address").click()
    expect(page.get_by_label("Email the receipt to")).to_have_value("anna@example.test")
    page.locator("[name=t0-amount]").fill("49.00")
    expect(page.locator("#left-to-pay")).to_have_text("0.00")
    problems += shoot(page, "checkout-client-chosen")
    page.get_by_role("button", name="Complete the sale").click()
    expect(page.get_by_role("heading", name="Receipt 1", level=1)).to_be_visible()
    expect(page.locator(".receipt-payer")).to_contain_text("Anna Virtanen")
    sale = Sale.objects.get()
    assert (sale.client, sale.total, sale.email_to) == (anna, Decimal("49.00"), "anna@example.test")
    assert problems == [] and csp_violations == []


def test_without_javascript_the_client_is_found_by_the_search_button(browser, live_server, e2e_world):
    world = e2e_world
    make_counter(world)
    make_client(world.org, email="anna@example.test")
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="en-GB")
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    sign_in(page, live_server.url, world.reception.user.email)
    page.goto(live_server.url + reverse("web:checkout", kwargs={"org_slug": world.org.slug}))
    page.get_by_label("Find the client (name, phone or email)").fill("anna@ex")
    page.get_by_label("Find the client (name, phone or email)").press("Enter")  # the form's default: update
    page.get_by_role("button", name="Anna Virtanen").click()
    expect(page.locator("#checkout-client-name")).to_have_text("Anna Virtanen")
    page.get_by_role("button", name="Sell without a client").click()
    expect(page.get_by_text("Walk-in sale (no client)")).to_be_visible()
    context.close()
