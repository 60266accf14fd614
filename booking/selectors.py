"""Reading availability: load hours, exceptions, holidays and occupancies in a few queries,
then let the pure engine (booking.availability) do the interval arithmetic.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

import holidays
from django.db.models import Q
from django.utils import timezone

from booking.availability import Interval, WeeklyRule, free_starts, subtract, working_intervals
from booking.models import HolidayOpening, HoursException, Occupancy, Resource, Service, TimeOffKind, WorkingHours
from tenancy.models import Organization


class Slot(NamedTuple):
    start: datetime
    staff_id: int


@lru_cache(maxsize=64)
def public_holidays(country: str, year: int) -> frozenset[date]:
    """The country's public holidays in a year; computing them takes milliseconds, so once per process."""
    return frozenset(holidays.country_holidays(country, years=year))


def closed_days(organization: Organization, first_day: date, last_day: date) -> set[date]:
    """Public holidays of the organization's country, except those it chose to open."""
    country = frozenset().union(*(public_holidays(organization.country, year)
                                  for year in range(first_day.year, last_day.year + 1)))
    opened = set(HolidayOpening.objects.for_organization(organization)
                 .filter(date__range=(first_day, last_day)).values_list("date", flat=True))
    return {day for day in country if first_day <= day <= last_day} - opened


def qualified_staff(service: Service, staff: Resource | None = None) -> list[Resource]:
    candidates = service.staff.filter(is_active=True, organization_id=service.organization_id).select_related(
        "location").order_by("pk")
    if staff is not None:
        candidates = candidates.filter(pk=staff.pk)
    return list(candidates)


def _window(tz: ZoneInfo, first_day: date, last_day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(first_day - timedelta(days=1), datetime.min.time(), tz)
    end = datetime.combine(last_day + timedelta(days=2), datetime.min.time(), tz)
    return start, end


def free_slots(service: Service, first_day: date, last_day: date, *, staff: Resource | None = None,
               now: datetime | None = None, apply_limits: bool = True,
               ignore_appointment_id: int | None = None) -> list[Slot]:
    """Free start times for the service, per qualified staff member, sorted by time then staff.

    `apply_limits` applies the service's minimum notice and maximum advance (online booking);
    staff booking a walk-in or a caller skip them. `ignore_appointment_id` leaves one
    appointment's own occupancy out, for moving it.
    """
    organization = service.organization
    now = now or timezone.now()
    candidates = qualified_staff(service, staff)
    if not candidates:
        return []
    needed = list(service.required_resources.filter(is_active=True))
    ids = [r.pk for r in candidates] + [r.pk for r in needed]
    tz_of = {r.pk: ZoneInfo(r.location.time_zone) for r in candidates}
    earliest = min(_window(tz, first_day, last_day)[0] for tz in tz_of.values())
    latest = max(_window(tz, first_day, last_day)[1] for tz in tz_of.values())

    rules: dict[int, list[WeeklyRule]] = defaultdict(list)
    for h in WorkingHours.objects.for_organization(organization).filter(resource_id__in=ids).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=first_day - timedelta(days=1))):
        rules[h.resource_id].append(WeeklyRule(h.weekday, h.start_time, h.end_time, h.valid_from, h.valid_until))
    extra: dict[int, list[Interval]] = defaultdict(list)
    off: dict[int, list[Interval]] = defaultdict(list)
    for e in HoursException.objects.for_organization(organization).filter(
            resource_id__in=ids, start__lt=latest, end__gt=earliest):
        (extra if e.kind == TimeOffKind.EXTRA else off)[e.resource_id].append(Interval.from_utc(e.start, e.end))
    busy: dict[int, list[Interval]] = defaultdict(list)
    occupancies = Occupancy.objects.for_organization(organization).filter(
        resource_id__in=ids, active=True, start__lt=latest, end__gt=earliest)
    if ignore_appointment_id is not None:
        occupancies = occupancies.exclude(appointment_id=ignore_appointment_id)
    for o in occupancies.values_list("resource_id", "start", "end"):
        busy[o[0]].append(Interval.from_utc(o[1], o[2]))

    closed = closed_days(organization, first_day, last_day)
    not_before = now + timedelta(minutes=service.min_notice_minutes) if apply_limits else None
    not_after = now + timedelta(days=service.max_advance_days) if apply_limits else None
    slots: list[Slot] = []
    for resource in candidates:
        tz = tz_of[resource.pk]
        working = working_intervals(rules[resource.pk], tz, first_day, last_day, closed_days=closed,
                                    extra=extra[resource.pk])
        blocked = off[resource.pk] + busy[resource.pk] + [i for r in needed for i in busy[r.pk]]
        free = subtract(working, blocked)
        # Only starts on the requested local days: the window bounds go to the engine as limits.
        day_start = datetime.combine(first_day, datetime.min.time(), tz)
        day_last = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tz) - timedelta(microseconds=1)
        lower = max(day_start, not_before) if not_before else day_start
        upper = min(day_last, not_after) if not_after else day_last
        starts = free_starts(free, duration=timedelta(minutes=service.duration_minutes),
                             buffer_before=timedelta(minutes=service.buffer_before_minutes),
                             buffer_after=timedelta(minutes=service.buffer_after_minutes),
                             granularity=timedelta(minutes=service.granularity_minutes), tz=tz,
                             not_before=lower, not_after=upper)
        staff_id = resource.pk
        slots.extend(Slot(start, staff_id) for start in starts)
    slots.sort()
    return slots


def free_times(slots: list[Slot]) -> list[datetime]:
    """The distinct start times, for "anyone available"."""
    return sorted({s.start for s in slots})
