"""A time held for an online payment: PENDING with its occupancies active (nobody else can book it), no
confirmation until paid, booked once when paid, lapsed by the periodic job or by a booking that needs the time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from booking.errors import SlotTaken
from booking.holds import appointment_paid, hold_until, lapse_holds, lapse_holds_job, release_hold
from booking.models import AppointmentState, Occupancy
from booking.online import book_online
from booking.selectors import free_slots
from kernel.audit import Actor
from kernel.models import AuditEvent, EventRecord
from kernel.scheduling import schedules
from tilli.errors import Conflict
from tilli.test import make_bookable

PERSON = {"first_name": "Aino", "last_name": "Virta", "email": "aino@example.test", "phone": "040 123 4567"}
OTHER = {"first_name": "Eero", "last_name": "Koski", "email": "eero@example.test", "phone": "040 765 4321"}


@pytest.fixture
def service(world):
    return make_bookable(world.org, world.practitioner)[2]


def start_of(service):
    day = timezone.localdate() + dt.timedelta(days=2)
    return free_slots(service, day, day)[0].start


def held(world, service, start=None, minutes=15):
    return book_online(organization=world.org, service=service, staff=None, start=start or start_of(service),
                       person=PERSON, ip="127.0.0.1", language="fi", hold_until=hold_until(minutes))


def test_a_hold_is_pending_blocks_the_time_and_sends_no_confirmation(world, service):
    appointment = held(world, service)
    assert appointment.state == AppointmentState.PENDING and appointment.hold_until > timezone.now()
    assert Occupancy.objects.filter(appointment=appointment, active=True).exists()
    assert EventRecord.objects.filter(name="booking.appointment_held").count() == 1
    assert not EventRecord.objects.filter(name="booking.appointment_booked").exists()
    with pytest.raises(SlotTaken):
        book_online(organization=world.org, service=service, staff=None, start=appointment.start, person=OTHER)


def test_paid_books_once_with_the_confirmation_event(world, service):
    appointment = held(world, service)
    booked = appointment_paid(appointment=appointment, actor=Actor.system("test"))
    assert booked.state == AppointmentState.BOOKED and booked.hold_until is None
    assert booked.transitions.filter(from_state="pending", to_state="booked").count() == 1
    assert AuditEvent.objects.filter(object_type="booking.appointment", object_id=str(appointment.pk),
                                     action="update").count() == 1
    appointment_paid(appointment=appointment, actor=Actor.system("test"))
    assert EventRecord.objects.filter(name="booking.appointment_booked").count() == 1


def test_paid_after_the_hold_is_gone_is_a_conflict(world, service):
    appointment = held(world, service)
    release_hold(appointment=appointment, actor=Actor.system("test"))
    with pytest.raises(Conflict):
        appointment_paid(appointment=appointment, actor=Actor.system("test"))


def test_the_periodic_job_lapses_expired_holds_only(world, service):
    assert "booking.lapse_holds" in schedules()
    first = held(world, service)
    second = held(world, service, start=start_of(service) + dt.timedelta(hours=2), minutes=60)
    assert lapse_holds(now=timezone.now() + dt.timedelta(minutes=20)) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == AppointmentState.CANCELLED and second.state == AppointmentState.PENDING
    assert first.transitions.get(to_state="cancelled").reason == "payment not received"
    assert not Occupancy.objects.filter(appointment=first, active=True).exists()
    assert lapse_holds_job.call() == {"lapsed": 0}  # the job itself: nothing expired yet
