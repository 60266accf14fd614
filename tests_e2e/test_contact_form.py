"""The contact form in Chromium: found from the booking page, an error keeps the text, the message
arrives by email with the sender as Reply-To, and the thanks page; the owner's recipients page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from notify.models import Message
from tests_e2e.conftest import PHONE, open_menu, shoot, sign_in
from tilli.test import run_worker

pytestmark = pytest.mark.e2e


def test_a_person_sends_a_question_from_the_booking_page(page: Page, live_server, e2e_world, english, smtp_server,
                                                          csp_violations):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/b/{e2e_world.org.slug}/")
    page.get_by_role("link", name="A question, or a quote? Send us a message").click()
    expect(page.get_by_role("heading", name="Contact us")).to_be_visible()
    trap = page.locator("div[aria-hidden=true]:has(input[name=website])").bounding_box()
    assert trap is None or trap["width"] <= 1  # the honeypot is not seen
    assert shoot(page, "47-contact-form") == []
    page.set_viewport_size(PHONE)

    page.get_by_label("Name").fill("Olga Kysyjä")
    page.get_by_role("textbox", name="Email").fill("olga@")
    page.get_by_label("Message").fill("Do you do hair for a wedding of six people?")
    page.get_by_role("button", name="Send the message").click()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    expect(page.get_by_label("Message")).to_have_value("Do you do hair for a wedding of six people?")
    assert shoot(page, "47-contact-form-error") == []
    page.set_viewport_size(PHONE)

    page.get_by_role("textbox", name="Email").fill("olga@example.test")
    page.wait_for_timeout(3100)  # a person takes longer than the three seconds a bot does not
    page.get_by_role("button", name="Send the message").click()
    expect(page.get_by_role("heading", name="Thank you, your message was sent")).to_be_visible()
    assert page.url == f"{live_server.url}/b/{e2e_world.org.slug}/contact/sent/"
    assert shoot(page, "48-contact-sent") == []

    run_worker()
    email = smtp_server.wait_for(1)[0]
    assert email["Reply-To"] == "olga@example.test" and email["To"] == e2e_world.owner.user.email
    assert not Message.objects.exists()
    assert csp_violations == []


def test_the_owner_lists_a_recipient_of_client_data(page: Page, live_server, e2e_world, english, csp_violations):
    sign_in(page, live_server.url, e2e_world.owner.user.email, e2e_world.owner_totp)
    page.goto(f"{live_server.url}/o/{e2e_world.org.slug}/")
    open_menu(page)
    page.get_by_role("link", name="Recipients of data").click()
    expect(page.get_by_role("heading", name="Recipients of client data")).to_be_visible()

    page.get_by_label("Name").fill("Tilitoimisto Numero Oy")
    page.get_by_label("Why they receive data").fill("Bookkeeping and the annual accounts")
    page.get_by_label("Categories of data").fill("Names and payments on receipts")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("cell", name="Tilitoimisto Numero Oy", exact=True)).to_be_visible()
    assert shoot(page, "65-recipients") == []
    assert csp_violations == []
