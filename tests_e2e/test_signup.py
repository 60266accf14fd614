"""A business starts on its own in Chromium: it signs up, confirms its email from a real mailbox, sets up
two-factor sign-in, walks its setup checklist through the real pages, and a customer takes its first online
booking, after which the checklist is complete. Screenshots at phone and desktop widths, in English and Finnish."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tenancy.models import Organization
from tests_e2e.conftest import PHONE, shoot
from tilli.test import run_worker, totp_code

pytestmark = pytest.mark.e2e
PASSWORD = "kolme-pientä-pihlajaa-2026"
SIGNED_PDF = b"%PDF-1.4\n% signed by both parties\n%%EOF\n"


@pytest.fixture
def operator(settings, tmp_path):
    """The operator's details, which the processing agreement names, and a place for the signed copy."""
    settings.OPERATOR_NAME, settings.OPERATOR_BUSINESS_ID = "Tilli Oy", "0737546-2"
    settings.OPERATOR_ADDRESS, settings.OPERATOR_EMAIL = "Esimerkkikatu 1, 00100 Helsinki", "privacy@tilli.example"
    settings.DOCUMENT_DIR = tmp_path


def _progress(page: Page, done: int) -> None:
    expect(page.locator(".setup-checklist")).to_contain_text(f"{done} of 9 steps done")


def _step(page: Page, base: str, label: str) -> None:
    """Open a step's page from the checklist on the dashboard."""
    page.goto(f"{base}/")
    page.locator(".setup-checklist").get_by_role("link", name=label).click()


def _sign_up(page: Page, live_server, smtp_server, problems: list[str]) -> str:
    page.goto(f"{live_server.url}/signup/")
    expect(page.get_by_role("heading", name="Start using Tilli")).to_be_visible()
    page.get_by_label("Business name").fill("Parturi Pihlaja")
    page.get_by_label("Country").select_option("FI")
    page.get_by_label("Business ID (Y-tunnus or NIP)").fill("1572860-1")  # a wrong check digit first
    page.get_by_label("Street address").fill("Pihlajatie 3")
    page.get_by_label("Postal code").fill("00270")
    page.get_by_label("City").fill("Helsinki")
    page.get_by_label("Language of the business").select_option("fi")
    page.get_by_label("Time zone").select_option("Europe/Helsinki")
    page.get_by_label("Your first name").fill("Pirjo")
    page.get_by_label("Your last name").fill("Pihlaja")
    page.get_by_label("Your email address").fill("pirjo@pihlaja.example")
    page.get_by_role("button", name="Send the confirmation link").click()
    expect(page.get_by_text("Enter a valid Finnish business ID (Y-tunnus), e.g. 1234567-1.")).to_be_visible()
    expect(page.get_by_label("Business name")).to_have_value("Parturi Pihlaja")
    problems += shoot(page, "100-signup-error")
    page.get_by_label("Business ID (Y-tunnus or NIP)").fill("1572860-0")
    page.get_by_role("button", name="Send the confirmation link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    problems += shoot(page, "101-signup-sent")

    assert not smtp_server.messages  # the request only stored it; the worker mails
    run_worker()
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "pirjo@pihlaja.example"
    body = mail.get_payload(decode=True).decode(mail.get_content_charset() or "utf-8")
    return re.search(r"https?://[^/\s]+(/signup/confirm/\S+/)", body).group(1)


def _choose_password_and_totp(page: Page, live_server, confirm_path: str, problems: list[str]) -> Organization:
    page.goto(live_server.url + confirm_path)
    expect(page.get_by_role("heading", name="Your email is confirmed")).to_be_visible()
    assert not Organization.objects.exists()  # opening the link creates nothing
    problems += shoot(page, "102-signup-confirm")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my business").click()

    # The owner's panel stays closed until two-factor sign-in is set up (allauth first confirms it is them).
    expect(page.get_by_role("heading", name="Confirm Access")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    organization = Organization.objects.get()
    assert not page.url.endswith(f"/o/{organization.slug}/")
    problems += shoot(page, "103-signup-totp")
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/o/{organization.slug}/")
    expect(page.get_by_role("heading", name="Parturi Pihlaja")).to_be_visible()
    return organization


def _hours_and_service(page: Page, base: str) -> None:
    _step(page, base, "Add your services")
    page.get_by_role("button", name="Make bookable").click()  # the owner performs the services
    expect(page.get_by_role("heading", name=re.compile("Working hours"))).to_be_visible()
    for first in (0, 2, 4, 6):  # two empty rows per save
        for row, weekday in ((first, first), (first + 1, first + 1)):
            if weekday > 6:
                continue
            page.locator(f"#id_form-{row}-weekday").select_option(str(weekday))
            page.locator(f"#id_form-{row}-start_time").fill("09:00")
            page.locator(f"#id_form-{row}-end_time").fill("17:00")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".has-error")).to_have_count(0)
    page.goto(f"{base}/services/new/")
    page.get_by_label("Name").fill("Hiustenleikkaus")
    page.get_by_label("Duration (minutes)").fill("45")
    page.get_by_label("Price").fill("49.00")
    page.get_by_label("Pirjo Pihlaja").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="Hiustenleikkaus")).to_be_visible()


def _walk_the_checklist(page: Page, base: str, problems: list[str]) -> None:
    _progress(page, 0)
    problems += shoot(page, "104-checklist-start")
    _hours_and_service(page, base)
    page.goto(f"{base}/")
    _progress(page, 3)  # services, hours and the booking page

    _step(page, base, "Invite your staff")
    page.get_by_label("Email address").fill("helmi@pihlaja.example")
    page.get_by_label("Role").select_option("practitioner")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("strong").filter(has_text="helmi@pihlaja.example")).to_be_visible()

    _step(page, base, "Name your privacy contact")
    page.get_by_label("Privacy contact person").fill("Pirjo Pihlaja")
    page.get_by_label("Privacy contact email").fill("tietosuoja@pihlaja.example")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".has-error")).to_have_count(0)

    _step(page, base, "Publish your privacy notice")
    page.get_by_role("button", name="Publish the notice").click()
    expect(page.get_by_text("Version 1 of the privacy notice is published.")).to_be_visible()

    _step(page, base, "Sign the processing agreement")
    page.get_by_role("button", name="Draw up the agreement").click()
    page.get_by_label(re.compile("The signed agreement")).set_input_files(
        {"name": "signed.pdf", "mimeType": "application/pdf", "buffer": SIGNED_PDF})
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("The signed copy is saved and the agreement is marked signed.")).to_be_visible()

    _step(page, base, "Choose the reminders")
    page.get_by_text("Add a reminder", exact=True).click()
    page.get_by_label("Hours before").fill("24")
    page.get_by_label("Channel").select_option("email")
    page.get_by_role("button", name="Add the reminder").click()
    expect(page.get_by_text("Reminder added.")).to_be_visible()

    page.goto(f"{base}/")
    _progress(page, 8)
    expect(page.locator('[data-step="first_booking"] .badge')).to_have_text("To do")
    problems += shoot(page, "105-checklist-one-left")


def _first_online_booking(page: Page, live_server, slug: str, problems: list[str]) -> None:
    customer = page.context.browser.new_context(viewport=PHONE, locale="en-GB")
    visitor = customer.new_page()
    visitor.goto(f"{live_server.url}/b/{slug}/")
    expect(visitor.get_by_role("heading", name="Book a time")).to_be_visible()
    visitor.get_by_role("link", name=re.compile("Hiustenleikkaus")).click()
    # One person performs it, so the page goes straight to the days.
    visitor.locator("a.day").nth(1).click()
    visitor.locator("ul.times a").first.click()
    visitor.get_by_label("First name").fill("Aino")
    visitor.get_by_label("Last name").fill("Asiakas")
    visitor.get_by_role("textbox", name="Email").fill("aino@example.test")
    visitor.get_by_label("Phone").fill("040 765 4321")
    visitor.get_by_role("button", name="Confirm booking").click()
    expect(visitor.get_by_role("heading", name="Your booking is confirmed")).to_be_visible()
    problems += shoot(visitor, "106-first-booking-confirmed")
    customer.close()


def test_a_business_signs_up_sets_up_and_takes_its_first_online_booking(
        page: Page, live_server, transactional_db, smtp_server, operator, english, csp_violations):
    problems: list[str] = []
    confirm_path = _sign_up(page, live_server, smtp_server, problems)
    organization = _choose_password_and_totp(page, live_server, confirm_path, problems)
    base = f"{live_server.url}/o/{organization.slug}"
    _walk_the_checklist(page, base, problems)

    _first_online_booking(page, live_server, organization.slug, problems)
    page.goto(f"{base}/")
    _progress(page, 9)
    expect(page.get_by_text("Your business is set up. You can hide this list.")).to_be_visible()
    problems += shoot(page, "107-checklist-complete")

    # The same pages in Finnish, the business's language: the owner's dashboard and a visitor's sign-up page.
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "fi", "url": live_server.url}])
    page.goto(f"{base}/")
    expect(page.locator(".setup-checklist")).to_contain_text("9/9 vaihetta tehty")
    problems += shoot(page, "108-checklist-complete-fi")
    visitor = page.context.browser.new_context(viewport=PHONE, locale="fi-FI").new_page()
    visitor.goto(f"{live_server.url}/signup/")
    expect(visitor.get_by_role("heading", name="Ota Tilli käyttöön")).to_be_visible()
    problems += shoot(visitor, "109-signup-fi")
    visitor.goto(f"{live_server.url}/signup/sent/")
    expect(visitor.get_by_role("heading", name="Tarkista sähköpostisi")).to_be_visible()
    problems += shoot(visitor, "110-signup-sent-fi")
    visitor.context.close()

    page.get_by_role("button", name="Piilota lista").click()
    expect(page.locator(".setup-checklist")).to_have_count(0)
    assert problems == []
    assert csp_violations == []
