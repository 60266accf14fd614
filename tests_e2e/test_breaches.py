"""The breach register in a real browser: the owner records a breach noticed 70 hours ago, sees the red
72-hour clock, finds the affected clients from the access log and opens the draft to the authority."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kernel.audit import Actor, record
from kernel.models import AuditAction
from tests_e2e.conftest import horizontal_overflow, open_menu, shoot, sign_in
from tilli.test import make_client

pytestmark = pytest.mark.e2e

LOCAL = "%Y-%m-%dT%H:%M"


def test_owner_records_a_breach_finds_who_is_affected_and_opens_the_authority_draft(page: Page, live_server,
                                                                                      e2e_world, english,
                                                                                      csp_violations):
    world = e2e_world
    world.org.privacy_contact_name, world.org.privacy_contact_email = "Aurora Privacy", "privacy@aurora.test"
    world.org.save()
    zone = ZoneInfo(world.org.time_zone)
    now = timezone.now()
    seen = [make_client(world.org, first_name="Saara", last_name="Seen", email="saara@example.test"),
            make_client(world.org, first_name="Sami", last_name="Seenalso")]
    unseen = make_client(world.org, first_name="Ulla", last_name="Untouched")
    practitioner = Actor(kind="user", user_id=world.practitioner.user_id, role="practitioner")
    with mock.patch("django.utils.timezone.now", return_value=now - dt.timedelta(hours=65)):
        for client in seen:  # what the stolen laptop's account opened after it was taken
            record(organization=world.org, actor=practitioner, action=AuditAction.VIEW, obj=client,
                   subject_ref=client.subject_ref)
    record(organization=world.org, actor=Actor(kind="user", user_id=world.reception.user_id, role="reception"),
           action=AuditAction.VIEW, obj=unseen, subject_ref=unseen.subject_ref)
    problems: list[str] = []
    sign_in(page, live_server.url, world.owner.user.email, world.owner_totp)

    open_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Breaches", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Breach register")
    page.get_by_role("link", name="Record a breach").click()
    page.get_by_label("Short description").fill("Practitioner's laptop stolen")
    page.get_by_label("When we became aware of it").fill(timezone.localtime(now - dt.timedelta(hours=70), zone)
                                                         .strftime(LOCAL))
    page.get_by_label("When it happened, as far as known").fill(timezone.localtime(now - dt.timedelta(hours=72),
                                                                                   zone).strftime(LOCAL))
    page.get_by_label("What happened").fill("A laptop with the panel signed in was stolen from a car.")
    page.get_by_label("Identity", exact=True).check()
    page.get_by_label("Contact details", exact=True).check()
    page.get_by_label("People affected (approximately)").fill("2")
    page.get_by_label("Records affected (approximately)").fill("2")
    page.get_by_label("Likely consequences").fill("Names and contact details may be misused for phishing.")
    page.get_by_label("Measures taken or proposed").fill("The account's sessions were ended and its password "
                                                         "changed.")
    page.get_by_label("A risk to people: notify the authority").check()
    problems += shoot(page, "80-breach-new")
    page.get_by_role("button", name="Record the breach").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Practitioner's laptop stolen")
    expect(page.get_by_role("status")).to_contain_text("The breach was recorded.")
    clock = page.get_by_role("region", name="The 72-hour deadline")
    expect(clock).to_contain_text(re.compile(r"1 h \d+ min left|2 h 0 min left"))
    expect(clock).to_have_class(re.compile("alert-card"))  # under 12 hours: red

    draft = page.locator("#authority-draft")
    expect(draft).to_be_visible()
    expect(draft).to_have_value(re.compile("Tietosuojavaltuutetun toimisto"))
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override(e2e_world.org.default_language):  # the draft is in the organization's language
        people = gettext("People affected (approximately): %(count)s") % {"count": 2}
        aware = gettext("We became aware of it: %(when)s").split("%(when)s")[0]
    for part in (people, "privacy@aurora.test", "misused for phishing", "password changed", aware):
        expect(draft).to_have_value(re.compile(re.escape(part)))
    problems += shoot(page, "81-breach-detail")

    subjects = page.locator("#step-subjects")
    subjects.get_by_label("Staff member").select_option(value=str(world.practitioner.user_id))
    subjects.get_by_label("What they did").select_option(value="view")
    subjects.get_by_role("button", name="Add the clients found").click()
    expect(page.get_by_role("status")).to_contain_text("2 clients were added from the access log.")
    rows = page.locator("table.breach-subjects tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("table.breach-subjects")).to_contain_text("Saara Seen")
    expect(page.locator("table.breach-subjects")).not_to_contain_text("Untouched")
    assert "Seen" not in page.url
    page.locator("#step-subjects").scroll_into_view_if_needed()
    problems += shoot(page, "82-breach-subjects")

    page.goto(f"{live_server.url}/o/{world.org.slug}/")
    card = page.get_by_role("region", name="Personal data breaches")
    expect(card).to_contain_text("Practitioner's laptop stolen")
    expect(card).to_have_class(re.compile("alert-card"))
    problems += shoot(page, "83-dashboard-breach")

    page.goto(f"{live_server.url}/o/{world.org.slug}/breaches/")
    expect(page.locator("table.breaches tbody tr")).to_have_count(1)
    problems += shoot(page, "84-breach-register")
    assert horizontal_overflow(page) == 0
    assert problems == []
    assert csp_violations == []
