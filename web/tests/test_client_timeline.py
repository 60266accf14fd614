"""The client page's timeline: upcoming appointments, then appointments, visits and payments newest first,
with "book" and "book again" leading to the booking form already filled in; each shown appointment is in
the access log; roles see only what they may."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from booking.models import HolidayOpening
from booking.services import appointment_book, appointment_transition
from clients.services import client_restrict, visit_create
from kernel.models import AuditAction, AuditEvent
from tilli.test import legacy_payment as payment_record
from tilli.test import make_bookable, make_client
from web.tests.privacy_helpers import SYSTEM, english, url

HEL = ZoneInfo("Europe/Helsinki")


@pytest.fixture
def history(world):
    """Anna had a completed facial 3 days ago, a visit 2 days ago, paid yesterday, and is booked in 3 days."""
    _, resource, service = make_bookable(world.org, world.practitioner, duration=60)
    service.name = "Facial"
    service.save()
    anna = make_client(world.org)
    today = dt.datetime.now(HEL).date()

    def book(days: int):
        day = today + dt.timedelta(days=days)
        HolidayOpening.objects.get_or_create(organization=world.org, date=day)
        return appointment_book(service=service, staff=resource, client=anna, channel="phone", actor=SYSTEM,
                                start=dt.datetime.combine(day, dt.time(10), HEL))

    past = book(-3)
    appointment_transition(appointment=past, to_state="completed", actor=SYSTEM)
    visit_create(client=anna, actor=SYSTEM, visited_at=timezone.now() - dt.timedelta(days=2), services="Manicure",
                 practitioner=world.practitioner)
    payment_record(organization=world.org, client=anna, amount=Decimal("79.00"), method="card", actor=SYSTEM,
                   paid_at=timezone.now() - dt.timedelta(days=1))
    upcoming = book(3)
    return anna, resource, service, past, upcoming


def _page(client_for, member, world, anna) -> str:
    response = english(client_for(member)).get(url(world, "web:client_detail", client_id=anna.pk))
    assert response.status_code == 200
    return response.content.decode()


def _section(page: str) -> str:
    return page[page.index('id="timeline"'):page.index("</section>", page.index('id="timeline"'))]


def test_reception_sees_upcoming_then_history_newest_first(world, client_for, history):
    anna, _resource, _service, past, upcoming = history
    timeline = _section(_page(client_for, world.reception, world, anna))
    upcoming_part, history_part = timeline.split('id="history-heading"')
    assert f"/calendar/appointments/{upcoming.pk}/" in upcoming_part and "Booked" in upcoming_part
    assert f"/calendar/appointments/{past.pk}/" in history_part and "Completed" in history_part
    payment, visit, appointment = (history_part.index(s) for s in ("79.00 EUR", "Manicure", "Facial"))
    assert payment < visit < appointment  # newest first


def test_book_again_prefills_service_staff_and_client_on_the_booking_form(world, client_for, history):
    anna, resource, service, _past, _upcoming = history
    member = english(client_for(world.reception))
    timeline = _section(_page(client_for, world.reception, world, anna))
    links = set(re.findall(r'href="([^"]+)">Book again', timeline))
    assert len(links) == 1  # only the past appointment offers it
    link = links.pop().replace("&amp;", "&")
    assert parse_qs(urlsplit(link).query) == {"client": [str(anna.pk)], "service": [str(service.pk)],
                                              "staff": [str(resource.pk)]}
    form = member.get(link).content.decode()
    assert f'value="{service.pk}" selected' in form or f'value="{service.pk}" checked' in form
    assert anna.display_name in form
    assert f"/calendar/new/?client={anna.pk}" in timeline  # "Book an appointment" for this client


def test_each_shown_appointment_is_in_the_clients_access_log(world, client_for, history):
    anna, _resource, _service, past, upcoming = history
    _page(client_for, world.reception, world, anna)
    seen = set(AuditEvent.objects.for_organization(world.org).filter(
        action=AuditAction.VIEW, object_type="booking.appointment", subject_ref=anna.subject_ref,
        actor_user_id=world.reception.user.pk).values_list("object_id", flat=True))
    assert seen == {str(past.pk), str(upcoming.pk)}


def test_the_accountant_sees_payments_and_visits_but_no_appointments_or_booking(world, client_for, history):
    anna, *_ = history
    timeline = _section(_page(client_for, world.accountant, world, anna))
    assert "79.00 EUR" in timeline and "Manicure" in timeline
    assert "Facial" not in timeline and "/calendar/" not in timeline and "Upcoming" not in timeline


def test_a_restricted_client_cannot_be_booked_from_the_timeline(world, client_for, history):
    anna, *_ = history
    client_restrict(client=anna, actor=SYSTEM, reason="Disputed")
    timeline = _section(_page(client_for, world.reception, world, anna))
    assert "Facial" in timeline and "/calendar/new/" not in timeline and "Book again" not in timeline
