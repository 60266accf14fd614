"""The customer register and the client portal in Chromium, at phone and desktop widths."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from clients.care import care_assignment_grant
from clients.services import record_create, special_approval_set, visit_create
from kernel.audit import Actor
from tests_e2e.conftest import shoot, sign_in
from tilli.test import make_client, run_worker

pytestmark = pytest.mark.e2e
SYSTEM = Actor.system("e2e")


@pytest.fixture
def anna(e2e_world):
    world = e2e_world
    client = make_client(world.org, email="anna@example.test", phone="0401234567", city="Helsinki",
                         preferred_language="en")
    for days in (3, 40):
        visit_create(client=client, actor=SYSTEM, visited_at=timezone.now() - timezone.timedelta(days=days),
                     practitioner=world.practitioner, services="Hieronta")
    special_approval_set(client=client, granted=True, source="staff", actor=SYSTEM)
    care_assignment_grant(client=client, practitioner=world.practitioner, actor=SYSTEM)
    record_create(client=client, kind="treatment", body="Niska jumissa", author=world.practitioner, actor=SYSTEM)
    make_client(world.org, first_name="Aino", last_name="Virtala")
    return client


def test_reception_finds_a_client_as_they_type_and_sees_no_sensitive_entries(page: Page, live_server, e2e_world,
                                                                              anna, english, csp_violations):
    sign_in(page, live_server.url, e2e_world.reception.user.email)
    page.goto(f"{live_server.url}/o/{e2e_world.org.slug}/clients/")
    page.get_by_label("Search by name, phone, email or national ID").fill("virtan")
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Anna Virtanen")).to_be_visible()
    expect(results.get_by_role("link", name="Aino Virtala")).to_have_count(0)
    results.get_by_role("link", name="Anna Virtanen").click()
    expect(page.get_by_role("heading", name="Anna Virtanen")).to_be_visible()
    expect(page.get_by_text("Niska jumissa")).to_have_count(0)
    assert shoot(page, "20-client-reception") == []
    assert csp_violations == []


def test_the_owner_sees_entries_and_who_viewed_the_client(page: Page, live_server, e2e_world, anna, english,
                                                          csp_violations):
    sign_in(page, live_server.url, e2e_world.owner.user.email, e2e_world.owner_totp)
    page.goto(f"{live_server.url}/o/{e2e_world.org.slug}/clients/{anna.pk}/")
    expect(page.get_by_text("Niska jumissa")).to_be_visible()
    expect(page.get_by_role("heading", name="Who has viewed and edited")).to_be_visible()
    assert shoot(page, "21-client-owner") == []
    page.goto(f"{live_server.url}/o/{e2e_world.org.slug}/clients/")
    assert shoot(page, "22-client-list") == []
    page.goto(f"{live_server.url}/o/{e2e_world.org.slug}/clients/new/")
    page.get_by_label("First name").fill("Ville")
    page.get_by_label("Last name").fill("Vaara")
    page.get_by_label("Phone").fill("12")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter a valid phone number")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Ville")
    assert shoot(page, "23-client-form-error") == []
    assert csp_violations == []


def test_the_owner_gives_a_practitioner_access_on_the_client_page(page: Page, live_server, e2e_world, anna, english,
                                                                   csp_violations):
    from tilli.test import add_member

    colleague = add_member(e2e_world.org, "practitioner")
    sign_in(page, live_server.url, e2e_world.owner.user.email, e2e_world.owner_totp)
    page.goto(f"{live_server.url}/o/{e2e_world.org.slug}/clients/{anna.pk}/")
    care = page.locator("#care")
    expect(care).to_contain_text(str(e2e_world.practitioner.user))
    care.get_by_text("Give a practitioner access").click()
    care.get_by_label("Practitioner").select_option(label=str(colleague.user))
    care.get_by_label("Until (inclusive)").fill((timezone.localdate() + timezone.timedelta(days=30)).isoformat())
    care.get_by_role("button", name="Give access").click()
    expect(page.locator("#care")).to_contain_text(str(colleague.user))
    assert shoot(page, "24-client-care") == []
    assert csp_violations == []


def test_a_client_uses_the_portal_from_an_emailed_link(page: Page, live_server, e2e_world, anna, smtp_server, english,
                                                       csp_violations):
    org = e2e_world.org
    page.goto(f"{live_server.url}/p/{org.slug}/")
    page.locator("#id_email").fill("anna@example.test")
    assert shoot(page, "30-portal-start") == []
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("status")).to_be_visible()
    run_worker()  # the worker looks the address up and mails the link
    message = smtp_server.wait_for(1)[-1]
    link = re.search(r"http://[^/]+(/p/\S+)", message.get_payload(decode=True).decode()).group(1)
    page.goto(live_server.url + link)
    page.get_by_role("button", name="Continue to your information").click()
    expect(page.get_by_role("heading", name="Your information", exact=True)).to_be_visible()
    expect(page.get_by_text("+358401234567")).to_be_visible()
    assert shoot(page, "31-portal-home") == []
    page.get_by_role("link", name="Correct your details").first.click()
    page.get_by_label("City").fill("Tampere")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your details were saved.")).to_be_visible()
    expect(page.get_by_text("Tampere")).to_be_visible()
    sms = page.locator("li", has_text="By text message (SMS)")
    sms.get_by_role("button", name="Allow them").click()
    expect(page.locator("li", has_text="By text message (SMS)")).to_contain_text("you allow them")
    assert csp_violations == []
