"""The client portal's privacy pages in Chromium: a copy of everything, requests, permissions,
and deleting the account, at phone and desktop widths."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from clients.models import Client
from tests_e2e.conftest import shoot
from tilli.test import make_full_client, run_worker

pytestmark = pytest.mark.e2e


def test_a_client_downloads_a_copy_and_deletes_the_account(page: Page, live_server, e2e_world, smtp_server, english,
                                                          csp_violations):
    org = e2e_world.org
    full = make_full_client(org, e2e_world.practitioner)
    Client.objects.filter(pk=full.client.pk).update(preferred_language="en")
    page.goto(f"{live_server.url}/p/{org.slug}/")
    page.locator("#id_email").fill(full.email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("status")).to_be_visible()
    run_worker()  # the worker looks the address up and mails the link (and the booking's confirmation)
    texts = [m.get_payload(decode=True).decode() for m in smtp_server.wait_for(1) if not m.is_multipart()]
    link = next(found.group(1) for text in texts if (found := re.search(r"http://[^/]+(/p/\S+)", text)))
    page.goto(live_server.url + link)
    page.get_by_role("button", name="Continue to your information").click()
    expect(page.get_by_role("heading", name="Your information", exact=True)).to_be_visible()

    page.get_by_role("navigation", name="Your pages").get_by_role("link", name="My data").click()
    expect(page.get_by_role("heading", name="My data")).to_be_visible()
    expect(page.get_by_role("cell", name="127.0.0.1").first).to_be_visible()  # this very sign-in
    page.get_by_role("button", name="Ask for a copy").click()
    expect(page.get_by_text("We are preparing your copy…")).to_be_visible()
    assert shoot(page, "40-portal-data-preparing") == []

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    download_link = page.get_by_role("link", name="Download your copy")
    expect(download_link).to_be_visible(timeout=10_000)  # the polling picked it up, no reload
    assert shoot(page, "41-portal-data-ready") == []
    with page.expect_download() as download:
        download_link.click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    assert "export.json" in archive.namelist()
    assert full.name not in download.value.suggested_filename

    page.get_by_role("link", name="Permissions").click()
    expect(page.get_by_role("heading", name="Your permissions")).to_be_visible()
    assert shoot(page, "42-portal-permissions") == []
    page.get_by_role("button", name="Withdraw my approval").click()
    expect(page.get_by_text("Your approval is withdrawn.")).to_be_visible()
    page.get_by_role("button", name="No direct marketing at all").click()
    expect(page.get_by_text("you will get no marketing from us")).to_be_visible()

    page.get_by_role("link", name="Requests").click()
    page.get_by_label("What do you ask for?").select_option("restriction")
    page.get_by_label("Tell us more").fill("Please stop using my details while I check them.")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Your request was sent.")).to_be_visible()
    expect(page.get_by_role("cell", name="A copy of my information")).to_be_visible()
    assert shoot(page, "43-portal-requests") == []

    page.get_by_role("link", name="Delete my account").click()
    expect(page.get_by_text("Receipts of your payments")).to_be_visible()
    assert shoot(page, "44-portal-delete") == []
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Tick the box")).to_be_visible()
    page.get_by_label("I understand that my information will be deleted").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("heading", name="Your account was deleted")).to_be_visible()
    assert shoot(page, "45-portal-goodbye") == []
    assert not Client.objects.for_organization(org).filter(pk=full.client.pk).exists()
    page.goto(f"{live_server.url}/p/{org.slug}/me/")
    expect(page.get_by_role("heading", name="See and manage your information")).to_be_visible()
    assert csp_violations == []
