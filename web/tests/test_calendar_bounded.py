"""The calendar list reads its appointments through an index range bounded on both sides of `start`,
and still shows an appointment that began the evening before and runs into the day."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking.models import Appointment, Channel
from kernel.models import AuditAction, AuditEvent
from tilli.test import make_bookable

HELSINKI = ZoneInfo("Europe/Helsinki")
DAY = dt.date(2030, 6, 12)


def _appointment(world, staff, service, start: dt.datetime, hours: int) -> Appointment:
    return Appointment.objects.create(organization=world.org, service=service, staff=staff,
                                      location_id=staff.location_id, start=start,
                                      end=start + dt.timedelta(hours=hours), channel=Channel.STAFF)


def test_the_calendar_day_query_is_bounded_on_both_sides_and_keeps_what_reaches_into_the_day(world, client_for):
    _, staff, service = make_bookable(world.org, world.practitioner, duration=60)
    evening = _appointment(world, staff, service, dt.datetime.combine(DAY - dt.timedelta(days=1), dt.time(22),
                                                                        HELSINKI), 4)  # until 02:00 on DAY
    morning = _appointment(world, staff, service, dt.datetime.combine(DAY, dt.time(9), HELSINKI), 1)
    _appointment(world, staff, service, dt.datetime.combine(DAY - dt.timedelta(days=1), dt.time(9), HELSINKI), 1)
    _appointment(world, staff, service, dt.datetime.combine(DAY - dt.timedelta(days=30), dt.time(9), HELSINKI), 1)
    _appointment(world, staff, service, dt.datetime.combine(DAY + dt.timedelta(days=1), dt.time(0), HELSINKI), 1)
    client = client_for(world.reception)
    url = reverse("web:calendar_list", kwargs={"org_slug": world.org.slug})

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"day": DAY.isoformat(), "staff": staff.pk})

    assert response.status_code == 200
    # The calendar notes each appointment it shows in the access log: exactly the two that touch the day.
    shown = AuditEvent.objects.filter(organization=world.org, action=AuditAction.VIEW, detail__via="calendar")
    assert sorted(shown.values_list("object_id", flat=True)) == sorted([str(evening.pk), str(morning.pk)])
    reads = [q["sql"] for q in queries.captured_queries
             if q["sql"].startswith("SELECT") and 'FROM "booking_appointment"' in q["sql"]]
    assert reads, [q["sql"] for q in queries.captured_queries]
    table = '"booking_appointment"."start"'
    # Both sides of `start`: below the day's end, and at most the longest occupancy before its beginning.
    assert all(f"{table} < " in sql and f"{table} >= " in sql for sql in reads), reads
