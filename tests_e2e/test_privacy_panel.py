"""The owner's privacy work in a real browser: the request queue, a request's steps, the
erasure dry run behind re-authentication, and the client page's privacy section."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from kernel.audit import Actor
from privacy.requests import request_create
from tests_e2e.conftest import PASSWORD, SCREENSHOTS, horizontal_overflow, open_menu, shoot, sign_in
from tilli.test import make_client, make_full_client

pytestmark = pytest.mark.e2e


def test_owner_records_a_request_verifies_identity_and_runs_the_erasure_dry_run(page: Page, live_server, e2e_world,
                                                                                 english, csp_violations):
    world = e2e_world
    full = make_full_client(world.org, world.practitioner)
    late = make_client(world.org, first_name="Aino", last_name="Lahtinen")
    request_create(organization=world.org, kind="restriction", channel="phone", actor=Actor.system("e2e"),
                   client=late, received_at=timezone.now() - dt.timedelta(days=40))
    problems: list[str] = []
    sign_in(page, live_server.url, world.owner.user.email, world.owner_totp)

    expect(page.get_by_role("heading", name="Data-subject requests")).to_be_visible()  # the dashboard card
    open_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Requests", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data-subject requests")

    page.get_by_text("New request", exact=True).click()
    page.get_by_label("What the client asks for").select_option(label="Erasure (Art. 17)")
    page.get_by_label("How it arrived").select_option(label="Letter")
    page.get_by_label("What the client asked, in their words").fill("Please delete everything about me.")
    page.get_by_label("Find a client by name, phone or email").fill(full.name)
    client_choice = page.get_by_role("radio", name=f"Ilmatar {full.name}")
    expect(client_choice).to_be_visible()  # htmx posted the search; the name never went into a URL
    assert full.name not in page.url
    client_choice.check()
    problems += shoot(page, "70-requests-new")
    page.get_by_role("button", name="Record the request").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Erasure (Art. 17)")
    expect(page.get_by_role("status")).to_contain_text("The request was recorded.")
    page.get_by_label("How the identity was verified").select_option(label="Identity document shown in person")
    page.get_by_label("Note on the check").fill("Driving licence")
    page.get_by_role("button", name="Record the check").click()
    expect(page.get_by_role("status")).to_contain_text("The identity check was recorded.")
    expect(page.get_by_text("Identity document shown in person (Driving licence)")).to_be_visible()
    problems += shoot(page, "71-request-detail")

    page.get_by_role("link", name="See what erasure will do").click()
    page.locator("input[name=password]").fill(PASSWORD)  # allauth's "confirm it is you"
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Erase Ilmatar {full.name}")
    plan = page.locator("table.erase-plan")
    expect(plan.get_by_text("Kept, restricted").first).to_be_visible()
    expect(plan).to_contain_text("Finnish Accounting Act")
    expect(page.get_by_role("button", name="Erase the client now")).to_be_visible()
    problems += shoot(page, "72-erase-dry-run")

    page.goto(f"{live_server.url}/o/{world.org.slug}/requests/")
    rows = page.locator("table.requests tbody tr")
    expect(rows).to_have_count(3)  # this one, the one make_full_client made, and an overdue one
    expect(rows.first).to_contain_text("Overdue")
    problems += shoot(page, "73-requests-queue")

    page.goto(f"{live_server.url}/o/{world.org.slug}/clients/{full.client.pk}/#privacy")
    privacy = page.get_by_role("region", name="Privacy")
    expect(privacy.get_by_role("button", name="Export the data")).to_be_visible()
    expect(privacy.get_by_role("link", name="Erase the client…")).to_be_visible()
    expect(page.get_by_role("region", name="Receipts")).to_contain_text("45.00")
    problems += shoot(page, "74-client-privacy")
    privacy.screenshot(path=SCREENSHOTS / "74-client-privacy-section.png")
    assert horizontal_overflow(page) == 0
    assert problems == []
    assert csp_violations == []
