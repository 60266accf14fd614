"""Business figures per staff member: known appointments, hours, time off and holidays give known numbers."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from booking.models import AppointmentTransition, Channel, HoursException, TimeOffKind
from booking.reports import staff_figures, total
from booking.services import appointment_book, appointment_transition
from kernel.audit import Actor
from tilli.test import make_bookable, make_client

HEL = ZoneInfo("Europe/Helsinki")
SYSTEM = Actor.system("test")
MONDAY = dt.date(2030, 1, 14)  # a week without public holidays in Finland
SUNDAY = MONDAY + dt.timedelta(days=6)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), HEL)


@pytest.fixture
def salon(world):
    """The practitioner works Mon-Fri 9-12 and 13-17 (7 h a day); a one-hour service with 10 min clean-up."""
    _, resource, service = make_bookable(world.org, world.practitioner, duration=60, weekdays=range(5),
                                         hours=((9, 12), (13, 17)), buffer_after=10)
    return resource, service, make_client(world.org)


def _book(service, resource, client, start, state=None, cancelled_before_start=None):
    appointment = appointment_book(service=service, start=start, client=client, channel=Channel.PHONE, actor=SYSTEM,
                                   staff=resource)
    if state:
        appointment_transition(appointment=appointment, to_state=state, actor=SYSTEM)
    if cancelled_before_start is not None:
        AppointmentTransition.objects.filter(appointment=appointment, to_state="cancelled").update(
            at=start - cancelled_before_start)
    return appointment


def test_a_week_counts_appointments_booked_time_no_shows_and_late_cancellations(world, salon):
    resource, service, client = salon
    tuesday, wednesday = MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=2)
    _book(service, resource, client, at(MONDAY, 9), "completed")
    _book(service, resource, client, at(MONDAY, 10, 15))
    _book(service, resource, client, at(tuesday, 9), "no_show")
    _book(service, resource, client, at(wednesday, 9), "cancelled", cancelled_before_start=dt.timedelta(hours=2))
    _book(service, resource, client, at(wednesday, 13), "cancelled", cancelled_before_start=dt.timedelta(days=2))

    [row] = staff_figures(world.org, MONDAY, SUNDAY)
    assert row.resource_id == resource.pk
    assert (row.appointments, row.booked_minutes, row.working_minutes) == (2, 120, 5 * 7 * 60)
    assert (row.no_shows, row.late_cancellations) == (1, 1)
    assert row.utilisation == 6  # 120 / 2100 = 5.7 %


def test_a_day_is_measured_against_that_days_working_hours(world, salon):
    resource, service, client = salon
    _book(service, resource, client, at(MONDAY, 9))
    _book(service, resource, client, at(MONDAY, 13))
    _book(service, resource, client, at(MONDAY + dt.timedelta(days=1), 9))  # another day: not counted
    [row] = staff_figures(world.org, MONDAY, MONDAY)
    assert (row.appointments, row.booked_minutes, row.working_minutes, row.utilisation) == (2, 120, 420, 29)


def test_time_off_and_extra_hours_change_the_working_time(world, salon):
    resource, _service, _client = salon
    thursday, saturday = MONDAY + dt.timedelta(days=3), MONDAY + dt.timedelta(days=5)
    HoursException.objects.create(organization=world.org, resource=resource, kind=TimeOffKind.TIME_OFF,
                                  start=at(thursday, 9), end=at(thursday, 12))
    HoursException.objects.create(organization=world.org, resource=resource, kind=TimeOffKind.EXTRA,
                                  start=at(saturday, 10), end=at(saturday, 12))
    [row] = staff_figures(world.org, MONDAY, SUNDAY)
    assert row.working_minutes == 2100 - 180 + 120


def test_a_public_holiday_is_not_working_time_unless_the_organization_opens(world, salon):
    from booking.models import HolidayOpening

    monday = dt.date(2030, 12, 2)  # Friday 6 December is Finland's Independence Day
    [row] = staff_figures(world.org, monday, monday + dt.timedelta(days=6))
    assert row.working_minutes == 4 * 7 * 60
    HolidayOpening.objects.create(organization=world.org, date=dt.date(2030, 12, 6))
    [row] = staff_figures(world.org, monday, monday + dt.timedelta(days=6))
    assert row.working_minutes == 5 * 7 * 60


def test_staff_can_be_limited_and_totals_add_up(world, salon):
    resource, service, client = salon
    _, owner_resource, owner_service = make_bookable(world.org, world.owner, duration=30, weekdays=range(5),
                                                     hours=((10, 14),))
    _book(service, resource, client, at(MONDAY, 9))
    _book(owner_service, owner_resource, client, at(MONDAY, 10))
    rows = staff_figures(world.org, MONDAY, MONDAY)
    assert {r.resource_id for r in rows} == {resource.pk, owner_resource.pk}
    summed = total(rows, "all")
    assert (summed.appointments, summed.booked_minutes, summed.working_minutes) == (2, 90, 420 + 240)
    assert summed.utilisation == 14  # 90 / 660
    [own] = staff_figures(world.org, MONDAY, MONDAY, staff_ids=[owner_resource.pk])
    assert (own.resource_id, own.booked_minutes) == (owner_resource.pk, 30)


def test_another_organizations_staff_are_never_counted(world, salon):
    make_bookable(world.other_org, world.outsider)
    assert [r.resource_id for r in staff_figures(world.org, MONDAY, SUNDAY)] == [salon[0].pk]
    resource_of_other = staff_figures(world.other_org, MONDAY, SUNDAY)[0].resource_id
    assert staff_figures(world.org, MONDAY, SUNDAY, staff_ids=[resource_of_other]) == []


def test_the_number_of_queries_does_not_grow_with_appointments(world, salon, django_assert_max_num_queries):
    resource, service, client = salon
    for hour, minute in ((9, 0), (10, 15), (13, 0), (14, 15), (15, 30)):
        _book(service, resource, client, at(MONDAY, hour, minute))
    with django_assert_max_num_queries(6):
        staff_figures(world.org, MONDAY, SUNDAY)
