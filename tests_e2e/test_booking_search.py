"""Reception's booking form: Enter in the client search searches, and keeps everything already chosen (the
staff member's service, the day, the free time, the wishes); the search button does the same."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from tests_e2e.conftest import sign_in
from tilli.test import make_bookable, make_client

pytestmark = pytest.mark.e2e

DAY = dt.date(2030, 6, 12)


@pytest.fixture
def booking_world(e2e_world):
    _, resource, _ = make_bookable(e2e_world.org, e2e_world.practitioner, duration=30)
    _, _, long_one = make_bookable(e2e_world.org, e2e_world.practitioner, duration=90)
    long_one.name = "Hieronta 90 min"
    long_one.save()
    anna = make_client(e2e_world.org, first_name="Anna", last_name="Virtanen", phone="0401234567")
    return e2e_world, resource, long_one, anna


@pytest.mark.parametrize("how", ["enter", "button"])
def test_searching_a_client_keeps_the_chosen_service_day_time_and_wishes(page: Page, live_server, booking_world,
                                                                          english, how):
    world, resource, long_one, anna = booking_world
    sign_in(page, live_server.url, world.reception.user.email)
    page.goto(f"{live_server.url}/o/{world.org.slug}/calendar/new/?staff={resource.pk}")
    page.get_by_label("Service").select_option(str(long_one.pk))
    page.get_by_label("Date").fill(DAY.isoformat())
    thirteen = page.locator(f'input[name=start][value^="{DAY.isoformat()}T13:00"]')
    thirteen.check()
    page.get_by_label("Wishes").fill("Quiet room please")

    search = page.get_by_label("Find a client by name")
    search.press_sequentially("Virtanen", delay=0)
    if how == "enter":
        search.press("Enter")
    else:
        page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_label(re.compile("Anna Virtanen"))).to_be_visible()
    page.wait_for_load_state("networkidle")

    expect(page.get_by_label("Service")).to_have_value(str(long_one.pk))
    expect(page.get_by_label("Date")).to_have_value(DAY.isoformat())
    expect(thirteen).to_be_checked()
    expect(page.get_by_label("Wishes")).to_have_value("Quiet room please")

    page.get_by_label(re.compile("Anna Virtanen")).check()
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_text("Appointment booked.")).to_be_visible()
    from booking.models import Appointment

    booked = Appointment.objects.get(client=anna)
    assert booked.service_id == long_one.pk and booked.wishes == "Quiet room please"


def test_enter_in_any_live_search_searches_in_place_without_reloading(page: Page, live_server, booking_world,
                                                                       english):
    world, *_ = booking_world
    sign_in(page, live_server.url, world.owner.user.email, world.owner_totp)
    page.goto(f"{live_server.url}/o/{world.org.slug}/requests/")
    page.get_by_text("New request").click()
    page.evaluate("window.notReloaded = true")
    search = page.get_by_label("Find a client by name, phone or email")
    search.press_sequentially("Virtanen", delay=0)
    search.press("Enter")
    expect(page.get_by_label(re.compile("Anna Virtanen"))).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.notReloaded === true")
