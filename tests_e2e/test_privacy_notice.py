"""The privacy notice in Chromium: the owner sees the system changed, reads the diff and publishes;
a visitor opens the notice from the booking page at phone and desktop widths, and the earlier
version stays readable."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from kernel.audit import Actor
from privacy.documents import publish_notice
from privacy.models import OrganizationRecipient, SubProcessor
from tests_e2e.conftest import PHONE, shoot, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def published(e2e_world):
    org = e2e_world.org
    org.street_address, org.postal_code, org.city = "Hämeenkatu 12", "33100", "Tampere"
    org.privacy_contact_name, org.privacy_contact_email = "Päivi Ström", "tietosuoja@aurora.example"
    org.save()
    SubProcessor.objects.create(name="Pilvipalvelu Oy", address="Helsinki", country="FI",
                                purpose="Hosting of the service and its backups", location="Helsinki, Finland",
                                data_categories="all client data")
    publish_notice(organization=org, actor=Actor.system("e2e"))
    return org


def test_the_owner_publishes_a_change_and_a_visitor_reads_the_notice(page: Page, live_server, e2e_world, published,
                                                                     english, csp_violations):
    OrganizationRecipient.objects.create(organization=published, name="Tilitoimisto Numero Oy",
                                         purpose="Bookkeeping and tax returns", country="FI",
                                         data_categories="receipts and invoices")
    sign_in(page, live_server.url, e2e_world.owner.user.email, e2e_world.owner_totp)
    page.goto(f"{live_server.url}/o/{published.slug}/documents/")
    expect(page.get_by_text("The system has changed since the notice was published.")).to_be_visible()
    expect(page.locator("pre.diff .added", has_text="Tilitoimisto Numero Oy")).to_be_visible()
    assert shoot(page, "85-documents-stale") == []
    page.get_by_role("button", name="Publish the new version").click()
    expect(page.get_by_text("Version 2 of the privacy notice is published.")).to_be_visible()
    expect(page.get_by_text("The published notice matches the system.")).to_be_visible()

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/b/{published.slug}/")
    page.get_by_role("link", name="Privacy notice").click()
    expect(page.get_by_role("heading", name="Privacy notice: Salon Aurora")).to_be_visible()
    expect(page.get_by_text("Tilitoimisto Numero Oy")).to_be_visible()
    expect(page.get_by_role("heading", name="11. The right to complain")).to_be_visible()
    assert shoot(page, "86-privacy-notice") == []

    page.set_viewport_size(PHONE)
    page.get_by_role("link", name="Version 1").click()
    expect(page.get_by_text("This is an earlier version (1) of the notice.")).to_be_visible()
    expect(page.get_by_text("Tilitoimisto Numero Oy")).to_have_count(0)
    assert shoot(page, "87-privacy-notice-v1") == []
    assert csp_violations == []
