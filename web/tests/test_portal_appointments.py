"""The portal lists the client's coming appointments; "move or cancel" opens the same signed manage page as
the confirmation email's link, so moving and cancelling follow its rules."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from booking.models import AppointmentState, HolidayOpening
from booking.services import appointment_book, appointment_transition
from clients.portal import SESSION_KEY
from kernel.models import AuditAction, AuditEvent
from tilli.test import make_bookable, make_client
from web.tests.privacy_helpers import SYSTEM

HEL = ZoneInfo("Europe/Helsinki")


def portal_browser(client) -> Browser:
    browser = Browser()
    browser.cookies["django_language"] = "en"
    session = browser.session
    session[SESSION_KEY] = {"organization": client.organization_id, "client": client.pk,
                            "at": int(timezone.now().timestamp())}
    session.save()
    return browser


@pytest.fixture
def bookings(world):
    _, resource, service = make_bookable(world.org, world.practitioner, duration=60)
    service.name = "Facial"
    service.save()
    anna, other = make_client(world.org, email="anna@example.test"), make_client(world.org, first_name="Olli")
    today = dt.datetime.now(HEL).date()

    def book(client, days, hour=10):
        day = today + dt.timedelta(days=days)
        HolidayOpening.objects.get_or_create(organization=world.org, date=day)
        return appointment_book(service=service, staff=resource, client=client, channel="phone", actor=SYSTEM,
                                start=dt.datetime.combine(day, dt.time(hour), HEL))

    coming, past, cancelled, others = book(anna, 3), book(anna, -3), book(anna, 4), book(other, 3, 12)
    appointment_transition(appointment=cancelled, to_state=AppointmentState.CANCELLED, actor=SYSTEM)
    return anna, coming, past, cancelled, others


def _upcoming(page: str) -> str:
    start = page.index('id="upcoming-heading"')
    return page[start:page.index("</section>", start)]


def test_the_portal_lists_only_the_clients_coming_active_appointments(world, bookings):
    anna, coming, _past, _cancelled, _others = bookings
    browser = portal_browser(anna)
    section = _upcoming(browser.get(reverse("portal:home", args=[world.org.slug])).content.decode())
    assert section.count("Move or cancel") == 1 and "Facial" in section
    assert reverse("public_booking:services", args=[world.org.slug]) in section
    assert AuditEvent.objects.for_organization(world.org).filter(
        action=AuditAction.VIEW, object_type="booking.appointment", object_id=str(coming.pk),
        subject_ref=anna.subject_ref, actor_kind="client").exists()


def test_move_or_cancel_opens_the_manage_page_and_cancelling_removes_it_from_the_portal(world, bookings):
    anna, coming, *_ = bookings
    browser = portal_browser(anna)
    home = reverse("portal:home", args=[world.org.slug])
    [manage] = re.findall(r'href="(/b/[^"]+/manage/[^"]+/)"', _upcoming(browser.get(home).content.decode()))
    page = browser.get(manage)
    assert page.status_code == 200 and "Facial" in page.content.decode()
    question = browser.get(manage + "cancel/")
    assert question.status_code == 200 and 'name="confirm" value="yes"' in question.content.decode()
    assert browser.post(manage + "cancel/", {"confirm": "yes"}).status_code == 302
    coming.refresh_from_db()
    assert coming.state == AppointmentState.CANCELLED
    assert "Move or cancel" not in _upcoming(browser.get(home).content.decode())


def test_a_client_without_coming_appointments_is_offered_to_book(world):
    browser = portal_browser(make_client(world.org, email="new@example.test"))
    section = _upcoming(browser.get(reverse("portal:home", args=[world.org.slug])).content.decode())
    assert "You have no coming appointments." in section and "Book an appointment" in section
