"""Booking an appointment: free times honour hours, holidays, buffers and other bookings;
a taken time is refused with one clear error; states follow the allowed transitions."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from booking.models import Appointment, AppointmentState, AppointmentTransition, Channel, HolidayOpening, Occupancy
from booking.selectors import free_slots, free_times
from booking.services import SlotTaken, appointment_book, appointment_move, appointment_transition
from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent
from tilli.test import make_bookable, make_client

HEL = ZoneInfo("Europe/Helsinki")
SYSTEM = Actor.system("test")
MONDAY = dt.date(2026, 12, 7)
NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), HEL)


@pytest.fixture
def setup(world):
    return make_bookable(world.org, world.practitioner, duration=60)


def test_free_times_follow_working_hours_on_the_grid(world, setup):
    _, _, service = setup
    times = free_times(free_slots(service, MONDAY, MONDAY, now=NOW))
    local = [t.astimezone(HEL).strftime("%H:%M") for t in times]
    assert local[0] == "09:00" and local[-1] == "16:00" and len(local) == 29  # 09:00..16:00 every 15 min


def test_a_booking_removes_its_span_and_buffer_from_the_free_times(world, setup):
    _, _staff, service = setup
    service.buffer_after_minutes = 15
    service.save()
    client = make_client(world.org)
    appointment_book(service=service, start=at(MONDAY, 10), client=client, channel=Channel.PHONE, actor=SYSTEM,
                     now=NOW)
    local = {t.astimezone(HEL).strftime("%H:%M") for t in free_times(free_slots(service, MONDAY, MONDAY, now=NOW))}
    assert "10:00" not in local and "09:00" not in local  # 09:00 would hold the time until 10:15
    assert "08:45" not in local and "11:15" in local and "11:00" not in local


def test_booking_a_taken_time_raises_slot_taken_and_writes_nothing(world, setup):
    _, _, service = setup
    client = make_client(world.org)
    appointment_book(service=service, start=at(MONDAY, 10), client=client, channel=Channel.PHONE, actor=SYSTEM,
                     now=NOW)
    with pytest.raises(SlotTaken):
        appointment_book(service=service, start=at(MONDAY, 10, 30), client=client, channel=Channel.PHONE,
                         actor=SYSTEM, now=NOW)
    assert Appointment.objects.count() == 1


def test_the_database_refuses_an_overlapping_occupancy_even_without_the_check(world, setup):
    from django.db import IntegrityError, transaction

    _, staff, service = setup
    first = appointment_book(service=service, start=at(MONDAY, 10), client=None, channel=Channel.STAFF, actor=SYSTEM,
                             now=NOW)
    second = Appointment.objects.create(organization=world.org, service=service, staff=staff,
                                        location_id=staff.location_id, start=at(MONDAY, 10, 30),
                                        end=at(MONDAY, 11, 30), channel=Channel.STAFF)
    with pytest.raises(IntegrityError), transaction.atomic():
        Occupancy.objects.create(organization=world.org, appointment=second, resource=staff,
                                 start=second.start, end=second.end)
    assert Occupancy.objects.filter(appointment=first).count() == 1


def test_anyone_available_picks_a_free_qualified_staff_member(world):
    _, first_staff, service = make_bookable(world.org, world.practitioner)
    _, second_staff, _ = make_bookable(world.org, world.owner)
    service.staff.add(second_staff)
    a = appointment_book(service=service, start=at(MONDAY, 10), client=None, channel=Channel.STAFF, actor=SYSTEM,
                         now=NOW)
    b = appointment_book(service=service, start=at(MONDAY, 10), client=None, channel=Channel.STAFF, actor=SYSTEM,
                         now=NOW)
    assert {a.staff_id, b.staff_id} == {first_staff.pk, second_staff.pk}
    with pytest.raises(SlotTaken):
        appointment_book(service=service, start=at(MONDAY, 10), client=None, channel=Channel.STAFF, actor=SYSTEM,
                         now=NOW)


def test_public_holidays_are_closed_unless_opened(world, setup):
    _, _, service = setup
    christmas = dt.date(2026, 12, 25)
    assert free_slots(service, christmas, christmas, now=NOW) == []
    HolidayOpening.objects.create(organization=world.org, date=christmas)
    assert free_slots(service, christmas, christmas, now=NOW) != []


def test_online_booking_respects_notice_and_advance_limits(world, setup):
    _, _, service = setup
    service.min_notice_minutes, service.max_advance_days = 24 * 60, 10
    service.save()
    now = at(MONDAY, 9)
    with pytest.raises(SlotTaken):
        appointment_book(service=service, start=at(MONDAY, 12), client=None, channel=Channel.ONLINE, actor=SYSTEM,
                         now=now)
    appointment_book(service=service, start=at(MONDAY, 12), client=None, channel=Channel.PHONE, actor=SYSTEM, now=now)
    far = MONDAY + dt.timedelta(days=11)
    assert free_slots(service, far, far, now=now) == []


def test_states_follow_the_map_and_cancelling_frees_the_time(world, setup):
    _, _, service = setup
    client = make_client(world.org)
    appointment = appointment_book(service=service, start=at(MONDAY, 10), client=client, channel=Channel.ONLINE,
                                   actor=SYSTEM, now=NOW)
    appointment_transition(appointment=appointment, to_state=AppointmentState.CONFIRMED, actor=SYSTEM)
    appointment_transition(appointment=appointment, to_state=AppointmentState.CANCELLED, actor=SYSTEM)
    with pytest.raises(ValidationError):
        appointment_transition(appointment=appointment, to_state=AppointmentState.COMPLETED, actor=SYSTEM)
    log = list(AppointmentTransition.objects.filter(appointment=appointment).order_by("pk")
               .values_list("from_state", "to_state"))
    assert log == [("", "booked"), ("booked", "confirmed"), ("confirmed", "cancelled")]
    appointment_book(service=service, start=at(MONDAY, 10), client=client, channel=Channel.ONLINE, actor=SYSTEM,
                     now=NOW)
    events = AuditEvent.objects.for_organization(world.org).filter(subject_ref=client.subject_ref,
                                                                   object_type="booking.appointment")
    assert events.filter(action=AuditAction.CREATE).count() == 2


def test_moving_an_appointment_checks_the_new_time_but_not_against_itself(world, setup):
    _, _, service = setup
    appointment = appointment_book(service=service, start=at(MONDAY, 10), client=None, channel=Channel.STAFF,
                                   actor=SYSTEM, now=NOW)
    other = appointment_book(service=service, start=at(MONDAY, 13), client=None, channel=Channel.STAFF, actor=SYSTEM,
                             now=NOW)
    appointment_move(appointment=appointment, start=at(MONDAY, 10, 30), actor=SYSTEM, now=NOW)
    assert appointment.start == at(MONDAY, 10, 30)
    with pytest.raises(SlotTaken):
        appointment_move(appointment=appointment, start=at(MONDAY, 12, 30), actor=SYSTEM, now=NOW)
    appointment.refresh_from_db()
    assert appointment.start == at(MONDAY, 10, 30)
    assert Occupancy.objects.filter(appointment=other, active=True).count() == 1


def test_each_change_raises_the_calendar_revision(world, setup):
    from icalendar import Calendar

    from booking.notifications import appointment_ics

    _, _, service = setup
    appointment = appointment_book(service=service, start=at(MONDAY, 10), client=None, channel=Channel.STAFF,
                                   actor=SYSTEM, now=NOW)
    assert appointment.revision == 0
    appointment_move(appointment=appointment, start=at(MONDAY, 11), actor=SYSTEM, now=NOW)
    appointment = appointment_transition(appointment=appointment, to_state=AppointmentState.CANCELLED, actor=SYSTEM)
    assert appointment.revision == 2
    event = Calendar.from_ical(appointment_ics(appointment)).walk("VEVENT")[0]
    assert int(event["sequence"]) == 2 and str(event["status"]) == "CANCELLED"


def test_a_service_needing_a_room_cannot_be_booked_twice_at_once_even_with_two_staff(world):
    from booking.models import Resource, ResourceKind

    location, _first_staff, service = make_bookable(world.org, world.practitioner)
    _, second_staff, _ = make_bookable(world.org, world.owner)
    service.staff.add(second_staff)
    room = Resource.objects.create(organization=world.org, kind=ResourceKind.ROOM, name="Room 1", location=location)
    service.required_resources.add(room)
    appointment_book(service=service, start=at(MONDAY, 10), client=None, channel=Channel.STAFF, actor=SYSTEM,
                     now=NOW)
    with pytest.raises(SlotTaken):
        appointment_book(service=service, start=at(MONDAY, 10, 30), client=None, channel=Channel.STAFF,
                         actor=SYSTEM, now=NOW)
    assert Occupancy.objects.filter(resource=room, active=True).count() == 1
