"""The public booking page in Chromium at phone width: a person books a time start to finish."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from booking.models import Appointment
from tests_e2e.conftest import PHONE, shoot
from tilli.test import make_bookable, run_worker

pytestmark = pytest.mark.e2e


@pytest.fixture
def bookable(e2e_world):
    location, _staff, service = make_bookable(e2e_world.org, e2e_world.practitioner, duration=45)
    service.name = "Hieronta 45 min"
    service.price = 59
    service.description = "Rentouttava klassinen hieronta."
    service.save()
    location.address = "Aleksanterinkatu 1, Helsinki"
    location.save()
    _, other, _ = make_bookable(e2e_world.org, e2e_world.reception, duration=30)
    service.staff.add(other)
    return service


def test_a_person_books_a_time_on_a_phone(page: Page, live_server, e2e_world, bookable, smtp_server, english,
                                          csp_violations):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/b/{e2e_world.org.slug}/")
    expect(page.get_by_role("heading", name="Book a time")).to_be_visible()
    assert shoot(page, "40-booking-services") == []
    page.set_viewport_size(PHONE)

    page.get_by_role("link", name=re.compile("Hieronta 45 min")).click()
    expect(page.get_by_role("link", name="Anyone available")).to_be_visible()
    assert shoot(page, "41-booking-staff") == []
    page.set_viewport_size(PHONE)

    page.get_by_role("link", name="Anyone available").click()
    expect(page.get_by_text("Step 3: choose a day and a time")).to_be_visible()
    page.locator("a.day").nth(1).click()  # tomorrow, so the time is not too near
    expect(page.locator("#times h2")).to_be_visible()
    assert shoot(page, "42-booking-times") == []
    page.set_viewport_size(PHONE)

    page.locator("ul.times a").first.click()
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    assert "@" not in page.url
    page.get_by_label("First name").fill("Liisa")
    page.get_by_label("Last name").fill("Lahtinen")
    page.get_by_role("textbox", name="Email").fill("liisa@example.test")
    page.get_by_label("Phone").fill("12")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_text("Enter a valid phone number")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Liisa")
    assert shoot(page, "43-booking-details-error") == []
    page.set_viewport_size(PHONE)

    page.get_by_label("Phone").fill("040 765 4321")
    page.get_by_label("Send me offers and news by email").check()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", name="Your booking is confirmed")).to_be_visible()
    expect(page.get_by_text("Hieronta 45 min")).to_be_visible()
    for private in ("liisa", "Lahtinen", "765"):
        assert private not in page.url
    assert shoot(page, "44-booking-confirmed") == []
    page.set_viewport_size(PHONE)

    assert Appointment.objects.filter(organization=e2e_world.org).count() == 1
    run_worker()  # the booking's event: notify queues and sends the messages
    messages = smtp_server.wait_for(2)  # the client's confirmation and the staff member's note
    message = next(m for m in messages if "liisa" in m["To"])
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    manage = re.search(r"http://[^/\s]+(/b/\S+)", body).group(1)
    page.goto(live_server.url + manage)
    expect(page.get_by_role("heading", name="Your booking", exact=True)).to_be_visible()
    assert shoot(page, "45-booking-manage") == []
    page.set_viewport_size(PHONE)
    page.get_by_role("link", name="Cancel the booking…").click()
    expect(page.get_by_role("heading", name="Cancel the booking?")).to_be_visible()
    assert Appointment.objects.get(organization=e2e_world.org).state == "booked"  # the tap only asked
    page.get_by_role("button", name="Yes, cancel the booking").click()
    expect(page.get_by_text("Your booking was cancelled.")).to_be_visible()
    assert shoot(page, "46-booking-cancelled") == []
    assert csp_violations == []
