"""free_slots against a reference built from the engine's datetime path, on real rows around clock changes.

The reference reads the same rows as model instances and computes with ``working_intervals``,
``subtract`` and ``free_starts`` (the selector as it was before it used the integer path) or, for starts
that follow the free time, the stepping reference in ``booking.tests.reference``; the two
must agree slot for slot, in Helsinki and in Warsaw, with holidays, exceptions, a room and buffers.
"""

import datetime as dt
import random
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest

from booking.availability import WeeklyRule
from booking.models import (
    Appointment,
    Channel,
    HolidayOpening,
    HoursException,
    Location,
    Occupancy,
    Resource,
    ResourceKind,
    StartAlignment,
    TimeOffKind,
    WorkingHours,
)
from booking.selectors import Slot, closed_days, free_slots
from booking.tests.oracle import Interval, free_starts, subtract, working_intervals
from booking.tests.reference import aligned_starts
from tilli.test import add_member, make_bookable

HEL = ZoneInfo("Europe/Helsinki")
WAW = ZoneInfo("Europe/Warsaw")
SPRING_SUNDAY = dt.date(2027, 3, 28)  # Good Friday 26 March and Easter Monday 29 March are Finnish holidays
AUTUMN_SUNDAY = dt.date(2026, 10, 25)


def reference_slots(service, first_day, last_day, *, now, apply_limits=True, ignore_appointment_id=None):
    organization = service.organization
    candidates = list(service.staff.filter(is_active=True).select_related("location").order_by("pk"))
    needed = list(service.required_resources.filter(is_active=True))
    ids = [r.pk for r in candidates] + [r.pk for r in needed]
    tz_of = {r.pk: ZoneInfo(r.location.time_zone) for r in candidates}
    earliest = min(dt.datetime.combine(first_day - dt.timedelta(days=1), dt.time(), tz) for tz in tz_of.values())
    latest = max(dt.datetime.combine(last_day + dt.timedelta(days=2), dt.time(), tz) for tz in tz_of.values())
    rules, extra, off, busy = defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list)
    for h in WorkingHours.objects.filter(organization=organization, resource_id__in=ids):
        rules[h.resource_id].append(WeeklyRule(h.weekday, h.start_time, h.end_time, h.valid_from, h.valid_until))
    for e in HoursException.objects.filter(organization=organization, resource_id__in=ids, start__lt=latest,
                                           end__gt=earliest):
        (extra if e.kind == TimeOffKind.EXTRA else off)[e.resource_id].append(Interval(e.start, e.end))
    occupancies = Occupancy.objects.filter(organization=organization, resource_id__in=ids, active=True,
                                           start__lt=latest, end__gt=earliest).exclude(
        appointment_id=ignore_appointment_id)
    for o in occupancies:
        busy[o.resource_id].append(Interval(o.start, o.end))
    # Hours one day beyond the asked days: night shifts of the day before, slots running past the last midnight.
    hours_first, hours_last = first_day - dt.timedelta(days=1), last_day + dt.timedelta(days=1)
    closed = closed_days(organization, hours_first, hours_last)
    slots = []
    for resource in candidates:
        tz = tz_of[resource.pk]
        working = working_intervals(rules[resource.pk], tz, hours_first, hours_last, closed_days=closed,
                                    extra=extra[resource.pk])
        free = subtract(working, off[resource.pk] + busy[resource.pk] + [i for r in needed for i in busy[r.pk]])
        lower = dt.datetime.combine(first_day, dt.time(), tz)
        upper = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tz) - dt.timedelta(microseconds=1)
        if apply_limits:
            lower = max(lower, now + dt.timedelta(minutes=service.min_notice_minutes))
            upper = min(upper, now + dt.timedelta(days=service.max_advance_days))
        lengths = {"duration": dt.timedelta(minutes=service.duration_minutes),
                   "buffer_before": dt.timedelta(minutes=service.buffer_before_minutes),
                   "buffer_after": dt.timedelta(minutes=service.buffer_after_minutes)}
        step = dt.timedelta(minutes=service.granularity_minutes)
        if service.start_alignment == StartAlignment.CLOCK:
            starts = free_starts(free, **lengths, granularity=step, tz=tz, not_before=lower, not_after=upper)
        else:
            starts = aligned_starts(free, **lengths, step=step, tz=tz, not_before=lower, not_after=upper)
        slots.extend(Slot(start, resource.pk) for start in starts)
    return sorted(slots)


def book(staff, start, minutes, *, room=None, seconds=0):
    """An appointment with its occupancies; `seconds` puts its end off the minute, as an import might."""
    end = start + dt.timedelta(minutes=minutes, seconds=seconds)
    appointment = Appointment.objects.create(organization=staff.organization, service=staff.services.first(),
                                             staff=staff, location=staff.location, start=start, end=end,
                                             channel=Channel.STAFF)
    for resource in (staff, room) if room else (staff,):
        Occupancy.objects.create(organization=staff.organization, appointment=appointment, resource=resource,
                                 start=start, end=end)
    return appointment


@pytest.fixture
def salon(world):
    """Two staff, one in Helsinki working days and nights, one in Warsaw with a lunch break; a shared room."""
    org = world.org
    _, helsinki, service = make_bookable(org, world.practitioner, duration=45, hours=((0, 4), (9, 17)),
                                         granularity=30, buffer_after=10, buffer_before_minutes=5,
                                         max_advance_days=400)
    warsaw_location = Location.objects.create(organization=org, name="Warszawa", time_zone="Europe/Warsaw")
    warsaw = Resource.objects.create(organization=org, kind=ResourceKind.STAFF, name="W",
                                     membership=add_member(org, "practitioner"), location=warsaw_location)
    for weekday in range(7):
        for start, end in ((1, 3), (8, 12), (13, 18)):
            WorkingHours.objects.create(organization=org, resource=warsaw, location=warsaw_location, weekday=weekday,
                                        start_time=dt.time(start), end_time=dt.time(end, 30 if end == 18 else 0))
    room = Resource.objects.create(organization=org, kind=ResourceKind.ROOM, name="Room", location=warsaw_location)
    service.staff.add(warsaw)
    service.required_resources.add(room)
    return service, helsinki, warsaw, room


@pytest.mark.parametrize("alignment", StartAlignment.values)
@pytest.mark.parametrize("sunday", [SPRING_SUNDAY, AUTUMN_SUNDAY])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_free_slots_around_a_clock_change_are_the_reference_slots(salon, sunday, seed, alignment):
    service, helsinki, warsaw, room = salon
    service.start_alignment = alignment
    service.save()
    rng = random.Random(seed)
    first, last = sunday - dt.timedelta(days=9), sunday + dt.timedelta(days=5)
    for staff, tz in ((helsinki, HEL), (warsaw, WAW)):
        # Stepping in UTC: every real instant, through the spring gap and both passes of the autumn fold.
        cursor = dt.datetime.combine(first - dt.timedelta(days=1), dt.time(0), tz).astimezone(dt.UTC)
        while cursor < dt.datetime.combine(last + dt.timedelta(days=2), dt.time(0), tz):
            cursor += dt.timedelta(minutes=rng.choice([15, 40, 75, 120, 200]))
            minutes = rng.choice([30, 45, 60, 90])
            shared = room if staff == warsaw and rng.random() < 0.3 else None  # one room: only Warsaw uses it
            book(staff, cursor, minutes, room=shared, seconds=rng.choice([0, 0, 7]))
            cursor += dt.timedelta(minutes=minutes + 1)
    HoursException.objects.create(organization=service.organization, resource=helsinki, kind=TimeOffKind.EXTRA,
                                  start=dt.datetime.combine(sunday, dt.time(4), HEL),
                                  end=dt.datetime.combine(sunday, dt.time(8, 30), HEL))
    HoursException.objects.create(organization=service.organization, resource=warsaw, kind=TimeOffKind.TIME_OFF,
                                  start=dt.datetime.combine(sunday - dt.timedelta(days=1), dt.time(10), WAW),
                                  end=dt.datetime.combine(sunday + dt.timedelta(days=1), dt.time(2, 30), WAW))
    HolidayOpening.objects.create(organization=service.organization, date=SPRING_SUNDAY - dt.timedelta(days=2))
    moved = Appointment.objects.filter(staff=warsaw).order_by("start")[rng.randrange(20)]
    now = dt.datetime.combine(first + dt.timedelta(days=2), dt.time(10, 7), HEL)

    for kwargs in ({}, {"apply_limits": False}, {"ignore_appointment_id": moved.pk}):
        expected = reference_slots(service, first, last, now=now, **kwargs)
        assert expected
        assert free_slots(service, first, last, now=now, **kwargs) == expected


@pytest.mark.parametrize("alignment", StartAlignment.values)
def test_free_slots_for_one_staff_member_are_the_reference_slots_of_that_member(salon, alignment):
    service, _helsinki, warsaw, room = salon
    service.start_alignment = alignment
    service.save()
    book(warsaw, dt.datetime.combine(SPRING_SUNDAY, dt.time(1, 30), WAW), 30, room=room)
    now = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    everyone = reference_slots(service, SPRING_SUNDAY, SPRING_SUNDAY, now=now)
    assert free_slots(service, SPRING_SUNDAY, SPRING_SUNDAY, now=now, staff=warsaw) == [
        slot for slot in everyone if slot.staff_id == warsaw.pk
    ]
    assert free_slots(service, SPRING_SUNDAY, SPRING_SUNDAY, now=now) == everyone
