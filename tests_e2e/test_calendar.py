"""The staff calendar in a real browser: day and week, booking a caller, confirming, moving, cancelling."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from booking.models import Appointment, AppointmentState, Channel
from booking.services import appointment_book, appointment_transition
from kernel.audit import Actor
from tests_e2e.conftest import open_menu, shoot, sign_in
from tilli.test import make_bookable, make_client

pytestmark = pytest.mark.e2e

HELSINKI = ZoneInfo("Europe/Helsinki")
DAY = dt.date(2030, 6, 12)  # a Wednesday


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), HELSINKI)


@pytest.fixture
def calendar_world(e2e_world):
    _, resource, service = make_bookable(e2e_world.org, e2e_world.practitioner, duration=60)
    service.name = "Hieronta 60 min"
    service.save()
    anna = make_client(e2e_world.org, first_name="Anna", last_name="Virtanen", phone="0401234567")
    make_client(e2e_world.org, first_name="Bertta", last_name="Virtala")
    kalle = make_client(e2e_world.org, first_name="Kalle-Kustaa", last_name="Pitkänimi-Långnamn")
    system = Actor.system("test")
    appointment_book(service=service, start=local(DAY, 9), client=anna, channel=Channel.PHONE, actor=system)
    long_one = appointment_book(service=service, start=local(DAY, 11), client=kalle, channel=Channel.STAFF,
                                actor=system)
    appointment_transition(appointment=long_one, to_state=AppointmentState.CONFIRMED, actor=system)
    appointment_book(service=service, start=local(DAY + dt.timedelta(days=2), 15), client=None,
                     channel=Channel.WALK_IN, actor=system)
    return e2e_world, resource, service, anna


def test_reception_books_confirms_moves_and_cancels_in_the_calendar(page: Page, live_server, calendar_world, english,
                                                                     csp_violations):
    world, resource, _, anna = calendar_world
    problems: list[str] = []
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server.url, world.reception.user.email)

    open_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendar")

    base = f"{live_server.url}/o/{world.org.slug}/calendar/list/"
    page.goto(f"{base}?day={DAY.isoformat()}&staff={resource.pk}")
    expect(page.get_by_role("link", name="09:00–10:00")).to_be_visible()
    expect(page.get_by_role("link", name="Anna Virtanen")).to_be_visible()
    problems += shoot(page, "50-calendar-day")

    page.get_by_role("link", name="Week", exact=True).click()
    expect(page.get_by_role("link", name="15:00–16:00")).to_be_visible()
    problems += shoot(page, "51-calendar-week")
    page.get_by_role("link", name="Day", exact=True).click()

    # Book a caller: service, day, client by name, a free time.
    page.get_by_role("link", name="Book an appointment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book an appointment")
    page.get_by_label("Find a client by name").fill("virt")
    expect(page.get_by_label(re.compile("Anna Virtanen"))).to_be_visible()  # htmx swapped the client list
    page.get_by_label(re.compile("Anna Virtanen")).check()
    page.get_by_label("13:00").check()
    page.get_by_label("Booked").select_option(label="By phone")
    problems += shoot(page, "52-calendar-book")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_text("Appointment booked.")).to_be_visible()  # back on the calendar; now its list
    listing = f"{base}?day={DAY.isoformat()}&staff={resource.pk}"
    page.goto(listing)
    booked = Appointment.objects.get(start=local(DAY, 13))
    assert booked.client_id == anna.pk and booked.channel == Channel.PHONE
    card = page.locator("article.appt", has=page.get_by_role("link", name="13:00–14:00"))
    expect(card).to_contain_text("Booked")

    # Confirm it, then open it and move it to another day's free time (htmx refreshes the times).
    card.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Appointment confirmed.")).to_be_visible()
    page.goto(listing)
    card = page.locator("article.appt", has=page.get_by_role("link", name="13:00–14:00"))
    expect(card).to_contain_text("Confirmed")
    card.get_by_role("link", name="Move").click()
    expect(page.get_by_role("heading", name="Move to another time")).to_be_visible()
    next_day = DAY + dt.timedelta(days=1)
    page.get_by_label("Date").fill(next_day.isoformat())
    expect(page.locator("#move-times legend")).to_contain_text("2030")
    page.get_by_label("10:30").check()
    problems += shoot(page, "53-calendar-move")
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_text("Appointment moved.")).to_be_visible()
    booked.refresh_from_db()
    assert booked.start == local(next_day, 10, 30)
    page.goto(f"{base}?day={next_day.isoformat()}&staff={resource.pk}")

    # Cancel it (the browser asks first); the time becomes free again.
    card = page.locator("article.appt", has=page.get_by_role("link", name="10:30–11:30"))
    card.get_by_role("button", name="Cancel appointment").click()
    expect(page.get_by_text("Appointment cancelled.")).to_be_visible()
    booked.refresh_from_db()
    assert booked.state == AppointmentState.CANCELLED

    assert problems == []
    assert csp_violations == []


def test_the_accountant_has_no_calendar(page: Page, live_server, calendar_world, english):
    world = calendar_world[0]
    sign_in(page, live_server.url, world.accountant.user.email)
    open_menu(page)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar")).to_have_count(0)
    response = page.goto(f"{live_server.url}/o/{world.org.slug}/calendar/")
    assert response is not None and response.status == 404
