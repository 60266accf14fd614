"""What a person sees in the staff panel, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests_e2e.conftest import PASSWORD, PHONE, horizontal_overflow, open_menu, sign_in
from tilli.test import run_worker

pytestmark = pytest.mark.e2e


def test_owner_signs_in_with_two_factor_and_sees_their_organization(page: Page, live_server, e2e_world, english,
                                                                     csp_violations):
    page.goto(f"{live_server.url}/o/{e2e_world.org.slug}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/o/{e2e_world.org.slug}/")

    sign_in(page, live_server.url, e2e_world.owner.user.email, e2e_world.owner_totp)

    expect(page).to_have_url(f"{live_server.url}/o/{e2e_world.org.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Salon Aurora")
    expect(page.locator(".topbar .org-name")).to_have_text("Salon Aurora")
    expect(page.get_by_text("Klinika Wisła")).to_have_count(0)
    assert csp_violations == []


def test_wrong_two_factor_code_keeps_the_owner_out(page: Page, live_server, e2e_world, english):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(e2e_world.owner.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_text("Incorrect code")).to_be_visible()
    page.goto(f"{live_server.url}/o/{e2e_world.org.slug}/")
    assert "/accounts/" in page.url
    expect(page.get_by_role("heading", name="Salon Aurora")).to_have_count(0)


def test_language_selector_changes_the_page_language(page: Page, live_server, e2e_world, csp_violations):
    sign_in(page, live_server.url, e2e_world.owner.user.email, e2e_world.owner_totp)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "fi")  # the organization's default language

    selector = page.locator("#language-select")  # its label is in the page language
    for name, code in (("Polski", "pl"), ("Svenska", "sv"), ("Suomi", "fi"), ("English", "en")):
        selector.select_option(label=name)  # the select submits itself (static/tilli.js)
        expect(html).to_have_attribute("lang", code)
        page.wait_for_load_state()
        expect(page).to_have_url(f"{live_server.url}/o/{e2e_world.org.slug}/")
        expect(page.locator("#language-select")).to_have_value(code)

    # Stepping through the options with the keyboard does not leave the page; Enter does.
    selector.focus()
    page.keyboard.press("ArrowUp")
    expect(page.locator("#language-select")).to_have_value("pl")
    expect(html).to_have_attribute("lang", "en")
    page.keyboard.press("Enter")
    expect(html).to_have_attribute("lang", "pl")
    page.wait_for_load_state()
    selector.select_option(label="English")
    expect(html).to_have_attribute("lang", "en")

    # The choice sticks on the next page.
    page.goto(f"{live_server.url}/o/{e2e_world.org.slug}/staff/")
    expect(html).to_have_attribute("lang", "en")
    assert csp_violations == []


def test_owner_invites_a_staff_member_and_sees_the_open_invitation(page: Page, live_server, e2e_world, english,
                                                                   smtp_server):
    sign_in(page, live_server.url, e2e_world.owner.user.email, e2e_world.owner_totp)
    open_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff")

    page.get_by_label("Email address").fill("New.Colleague@Example.test")
    page.get_by_label("Role").select_option(label="Practitioner")
    page.get_by_role("button", name="Send invitation").click()

    expect(page.get_by_role("status")).to_contain_text("Invitation sent.")
    invitations = page.get_by_role("region", name="Open invitations")
    expect(invitations).to_contain_text("new.colleague@example.test")
    expect(invitations).to_contain_text("Practitioner")
    expect(invitations.get_by_role("button", name="Withdraw")).to_be_visible()
    run_worker()  # the invitation's event: notify issues the link and mails it
    messages = smtp_server.wait_for(1)
    assert messages[0]["To"] == "new.colleague@example.test"


def test_owner_verifies_the_access_log_chain(page: Page, live_server, e2e_world, english, csp_violations):
    sign_in(page, live_server.url, e2e_world.owner.user.email, e2e_world.owner_totp)
    open_menu(page)
    page.get_by_role("link", name="Access log", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Access log")

    page.get_by_role("button", name="Verify the chain").click()

    expect(page.get_by_role("status")).to_contain_text("The chain is intact")
    expect(page.get_by_role("alert")).to_have_count(0)
    assert csp_violations == []


def test_reception_does_not_see_the_access_log_link(page: Page, live_server, e2e_world, english):
    sign_in(page, live_server.url, e2e_world.reception.user.email)
    expect(page).to_have_url(f"{live_server.url}/o/{e2e_world.org.slug}/")
    open_menu(page)

    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name="Staff", exact=True)).to_be_visible()
    expect(menu.get_by_role("link", name="Access log", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Open the access log")).to_have_count(0)


def test_phone_menu_opens_and_staff_table_is_readable(page: Page, live_server, e2e_world, english):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, e2e_world.owner.user.email, e2e_world.owner_totp)

    menu = page.get_by_role("navigation", name="Main")
    expect(menu).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    expect(menu).to_be_visible()
    staff_link = menu.get_by_role("link", name="Staff", exact=True)
    box = staff_link.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert box["height"] >= 24, "menu links should be big enough to tap"
    page.locator("footer").click()  # a tap outside closes the menu
    expect(menu).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    expect(menu).to_be_visible()
    staff_link.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Staff")
    assert horizontal_overflow(page) == 0
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(4)
    owner_email = e2e_world.owner.user.email
    cell = page.get_by_role("cell", name=owner_email)
    expect(cell).to_be_visible()
    box = cell.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # Each value carries its column name, since the header row is hidden on phones.
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert "Email" in label
    font_size = cell.evaluate("td => parseFloat(getComputedStyle(td).fontSize)")
    assert font_size >= 14
