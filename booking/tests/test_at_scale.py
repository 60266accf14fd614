"""Booking and availability stay cheap at scale: their query counts are pinned, and the overlap
queries read an index range bounded on both sides, however much history lies behind the window."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction

from api.services import api_token_create
from api.tests.test_api import call
from booking.models import (
    Appointment,
    Channel,
    Location,
    Occupancy,
    Resource,
    ResourceKind,
    Service,
    WorkingHours,
)
from booking.selectors import free_slots, occupying
from kernel.audit import Actor
from kernel.models import AuditEvent, EventDelivery, EventRecord
from tilli.test import UserFactory, add_member, make_bookable

HEL = ZoneInfo("Europe/Helsinki")


def _staffed(organization, count: int, *, per_day: int = 2) -> tuple[Service, list[Resource]]:
    """`count` staff working 8-20 Monday to Saturday, `per_day` appointments each a day for a year."""
    location = Location.objects.create(organization=organization, name="Main", time_zone="Europe/Helsinki")
    service = Service.objects.create(organization=organization, name="Visit", duration_minutes=60,
                                     min_notice_minutes=0, max_advance_days=400)
    staff = [Resource.objects.create(organization=organization, kind=ResourceKind.STAFF, name=f"S{n}",
                                     membership=add_member(organization, "practitioner", UserFactory()),
                                     location=location) for n in range(count)]
    service.staff.set(staff)
    WorkingHours.objects.bulk_create([
        WorkingHours(organization=organization, resource=r, location=location, weekday=day, start_time=dt.time(8),
                     end_time=dt.time(20)) for r in staff for day in range(6)])
    rng, today, rows = random.Random(7), dt.date.today(), []
    for resource in staff:
        for offset in range(-182, 183):
            day = today + dt.timedelta(days=offset)
            for hour in rng.sample(range(8, 20), per_day) if day.weekday() != 6 else ():
                start = dt.datetime.combine(day, dt.time(hour), HEL)
                rows.append(Appointment(organization=organization, service=service, staff=resource, location=location,
                                        start=start, end=start + dt.timedelta(hours=1), channel=Channel.STAFF))
    Appointment.objects.bulk_create(rows, batch_size=2000)
    Occupancy.objects.bulk_create([Occupancy(organization=organization, appointment=a, resource_id=a.staff_id,
                                             start=a.start, end=a.end) for a in rows], batch_size=2000)
    return service, staff


def test_a_booking_through_the_api_takes_at_most_16_queries_14_on_postgresql(world, django_assert_max_num_queries):
    """Token, service, staff; the locks, which also read the qualified staff, their time zones and the
    required resources; the re-check (hours, occupancies and exceptions in one UNION ALL); appointment,
    occupancies, state log;
    audit (head lock, row, head); event, its deliveries, the dispatch task; and the transaction around it.
    On PostgreSQL the audit row and the head move are one statement, and so are the event and its deliveries.
    A room the service needs costs no extra query."""
    location, staff, service = make_bookable(world.org, world.practitioner)
    room = Resource.objects.create(organization=world.org, kind=ResourceKind.ROOM, name="Room", location=location)
    service.required_resources.add(room)
    token = api_token_create(membership=world.reception, name="t", actor=Actor.system("t"))[1]
    day = dt.date.today() + dt.timedelta(days=14 - dt.date.today().weekday())
    slots = call("GET", f"/availability?service={service.pk}&start={day}&end={day}", token).json()
    body = {"service_id": service.pk, "staff_id": staff.pk, "channel": "phone"}
    assert call("POST", "/appointments", token, {**body, "start": slots[0]["start"]}).status_code == 201
    events, audited = EventRecord.objects.count(), AuditEvent.objects.filter(organization=world.org).count()

    with django_assert_max_num_queries(14 if connection.vendor == "postgresql" else 16):
        response = call("POST", "/appointments", token, {**body, "start": slots[8]["start"]})

    assert response.status_code == 201
    booked = Appointment.objects.get(pk=response.json()["id"])
    assert sorted(booked.occupancies.values_list("resource_id", flat=True)) == sorted([staff.pk, room.pk])
    # The guarantees stay: the audit row, and the event whose subscribers (reminders among them) run later.
    assert AuditEvent.objects.filter(organization=world.org).count() == audited + 1
    assert EventRecord.objects.count() == events + 1
    assert EventDelivery.objects.filter(event__payload__appointment_id=booked.pk).exists()
    # The same time again is refused by the re-check, and the room's time by the database.
    taken = call("POST", "/appointments", token, {**body, "start": slots[8]["start"]})
    assert taken.status_code == 409


def test_a_week_of_availability_for_ten_staff_with_a_year_behind_it_takes_4_queries(
        world, django_assert_max_num_queries):
    service, staff = _staffed(world.org, 10, per_day=1)
    token = api_token_create(membership=world.reception, name="t", actor=Actor.system("t"))[1]
    first = dt.date.today() + dt.timedelta(days=40)
    last = first + dt.timedelta(days=6)
    assert call("GET", "/me", token).status_code == 200  # the token's first use is noted once a minute

    with django_assert_max_num_queries(4):  # token, service; staff and rooms; hours, busy time and time off
        response = call("GET", f"/availability?service={service.pk}&start={first}&end={last}", token)

    assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"
    expected = free_slots(service, first, last, apply_limits=False)
    assert len(expected) > 1000 and {s.staff_id for s in expected} == {r.pk for r in staff}
    # Written directly, the answer is what the schema rendered: UTC with a Z, one row per staff and start.
    assert response.json() == [{"start": s.start.isoformat().replace("+00:00", "Z"), "staff_id": s.staff_id}
                               for s in expected]


def test_the_database_refuses_an_appointment_or_occupancy_longer_than_a_week(world):
    _, staff, service = make_bookable(world.org, world.practitioner)
    start = dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC)
    fields = {"organization": world.org, "service": service, "staff": staff, "location_id": staff.location_id,
              "start": start, "channel": Channel.STAFF}
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(**fields, end=start + dt.timedelta(days=7, minutes=1))
    week = Appointment.objects.create(**fields, end=start + dt.timedelta(days=7))
    with pytest.raises(IntegrityError), transaction.atomic():
        Occupancy.objects.create(organization=world.org, appointment=week, resource=staff, start=start,
                                 end=start + dt.timedelta(days=8))
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.filter(pk=week.pk).update(end=start + dt.timedelta(days=9))
    # A service that long can never be offered nor booked: no slot, rather than a refused insert.
    service.duration_minutes = 8 * 24 * 60
    assert free_slots(service, start.date(), start.date() + dt.timedelta(days=10), apply_limits=False) == []


def test_the_overlap_query_reads_an_index_range_bounded_on_both_sides(world):
    _, staff = _staffed(world.org, 2, per_day=1)
    lo = dt.datetime.combine(dt.date.today() + dt.timedelta(days=40), dt.time(0), HEL)
    query = occupying(world.org, [r.pk for r in staff], lo, lo + dt.timedelta(days=7))
    assert query.count() > 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the tables are small here; the plan must still be able to use it
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = query.explain()
        assert "occupancy_resource_start" in plan, plan
        condition = next(line for line in plan.splitlines() if "Index Cond" in line)
        assert "start >=" in condition and "start <" in condition, plan
    else:
        plan = query.explain()
        assert "USING INDEX occupancy_resource_start" in plan and "start>? AND start<?" in plan, plan
