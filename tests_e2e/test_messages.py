"""The owner's message pages in Chromium: a reminder reworded with a live preview, a campaign
written, its audience previewed, sent and watched until delivered, and the outbox."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from clients.models import Client
from clients.services import marketing_consent_set, visit_create
from kernel.audit import Actor
from notify.models import Message, MessageStatus, MessageTemplate
from notify.policy import policy_for
from tests_e2e.conftest import open_menu, shoot, sign_in
from tilli.test import make_client

pytestmark = pytest.mark.e2e
SYSTEM = Actor.system("e2e")


def _clients(world) -> None:
    """Three clients who visited last month: two allowed marketing by email, one did not."""
    for i, allowed in enumerate((True, True, False)):
        client = make_client(world.org, first_name=f"Asiakas{i}", email=f"asiakas{i}@example.test",
                             phone=f"040123456{i}")
        visit_create(client=client, actor=SYSTEM, practitioner=world.practitioner,
                     visited_at=timezone.now() - dt.timedelta(days=20), services="Cut")
        if allowed:
            marketing_consent_set(client=client, channel="email", granted=True, source="staff", actor=SYSTEM)
    policy = policy_for(world.org)
    policy.sms_enabled, policy.sms_sender = True, "Aurora"
    policy.save()


def test_owner_rewords_a_reminder_and_sends_a_campaign(page: Page, live_server, e2e_world, english, smtp_server,
                                                       csp_violations):
    world = e2e_world
    _clients(world)
    problems: list[str] = []
    sign_in(page, live_server.url, world.owner.user.email, world.owner_totp)

    open_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Messages").click()
    expect(page.get_by_role("heading", name="How messages are sent")).to_be_visible()
    page.get_by_text("Add a reminder", exact=True).click()
    page.get_by_label("Hours before").fill("24")
    page.get_by_label("Channel").select_option("sms")
    page.get_by_role("button", name="Add the reminder").click()
    expect(page.get_by_text("Reminder added.")).to_be_visible()
    expect(page.locator("ul.rules")).to_contain_text("24 hours before")
    problems += shoot(page, "90-messages-settings")

    tabs = page.get_by_role("navigation", name="Messages")
    tabs.get_by_role("link", name="Wording").click()
    row = page.get_by_role("row").filter(has_text="Reminder").filter(has_text="SMS")
    row.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reminder")
    expect(page.locator("#preview")).to_contain_text("Reminder: Example service at Salon Aurora")
    body = page.get_by_role("textbox", name="Text")
    body.fill("Hi {client_first_name}! {service} at {business_name} on {short_date} at {start}. {manage_link}")
    expect(page.locator("#preview")).to_contain_text("Hi Alex! Example service at Salon Aurora")  # htmx, as typed
    expect(page.locator(".sms-count")).to_contain_text("GSM-7")
    problems += shoot(page, "91-messages-template")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("The wording was saved.")).to_be_visible()
    expect(page.get_by_text("Your own wording")).to_be_visible()
    assert MessageTemplate.objects.filter(organization=world.org, kind="reminder", channel="sms").exists()

    page.get_by_role("link", name="← Wording").click()
    page.get_by_role("navigation", name="Messages").get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Name (only you see it)").fill("Spring offer")
    page.get_by_label("Channel").select_option("email")
    page.get_by_label("Clients who visited within (days)").fill("90")
    page.get_by_label("Subject").fill("Spring at Salon Aurora")
    page.get_by_label("Text").fill("Ten percent off every cut in April.")
    page.get_by_role("button", name="Save and preview").click()
    audience = page.locator("section.audience")
    expect(audience.locator(".big")).to_have_text("2")
    expect(audience).to_contain_text("has not allowed this channel")
    expect(page.locator("section.sample")).to_contain_text("Ten percent off every cut in April.")
    problems += shoot(page, "92-messages-campaign-preview")

    page.get_by_role("link", name="Send…").click()
    expect(page.get_by_text("It goes to 2 clients by Email")).to_be_visible()
    page.get_by_role("button", name="Send now").click()
    expect(page.get_by_text("The campaign is on its way to 2 clients.")).to_be_visible()
    status = page.locator("#campaign-status")
    expect(status).to_contain_text("Waiting")
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    expect(status).to_contain_text("Delivery is done.", timeout=10_000)  # the polling picked it up
    expect(status).to_contain_text("2 Sent")
    assert len(smtp_server.wait_for(2)) == 2
    assert set(Message.objects.filter(campaign__name="Spring offer").values_list("status", flat=True)) == {
        MessageStatus.SENT}
    problems += shoot(page, "93-messages-campaign-sent")

    page.get_by_role("link", name="← Campaigns").click()
    expect(page.get_by_role("cell", name="Spring offer")).to_be_visible()
    page.get_by_role("navigation", name="Messages").get_by_role("link", name="Outbox").click()
    expect(page.get_by_role("cell", name="Campaign").first).to_be_visible()
    assert "asiakas0@example.test" not in page.content()
    problems += shoot(page, "94-messages-outbox")

    client = Client.objects.for_organization(world.org).get(first_name="Asiakas0")
    page.goto(f"{live_server.url}/o/{world.org.slug}/clients/{client.pk}/")
    messages = page.locator("#messages")
    expect(messages.get_by_role("cell", name="Campaign")).to_be_visible()
    messages.get_by_label("Reminders by SMS").uncheck()
    messages.get_by_role("button", name="Save the reminder choices").click()
    expect(page.get_by_text("Reminder choices saved.")).to_be_visible()
    client.refresh_from_db()
    assert client.reminders_by_email and not client.reminders_by_sms
    page.locator("#messages").scroll_into_view_if_needed()
    problems += shoot(page, "95-messages-client")
    assert problems == []
    assert csp_violations == []
