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
from django.db.models import CharField, DateField, DateTimeField, F, IntegerField, Q, QuerySet, TimeField, Value
from django.utils import timezone

from booking.availability import (
    Span,
    WeeklyRule,
    aligned_start_micros,
    free_start_micros,
    from_micros,
    merge_spans,
    subtract_spans,
    to_micros,
    to_spans,
    unblocked_starts,
    working_spans,
)
from booking.models import (
    LONGEST_OCCUPANCY,
    HolidayOpening,
    HoursException,
    Occupancy,
    Resource,
    Service,
    StartAlignment,
    TimeOffKind,
    WorkingHours,
    overlapping,
)
from tenancy.models import Organization
from tilli.lib.dates import day_in_range


class Slot(NamedTuple):
    start: datetime
    staff_id: int


_new_tuple = tuple.__new__


@lru_cache(maxsize=64)
def public_holidays(country: str, year: int) -> frozenset[date]:
    """The country's public holidays in a year; computing them takes milliseconds, so once per process."""
    return frozenset(holidays.country_holidays(country, years=year))


def closed_days(organization: Organization, first_day: date, last_day: date) -> set[date]:
    """Public holidays of the organization's country, except those it chose to open."""
    country = frozenset().union(*(public_holidays(organization.country, year)
                                  for year in range(first_day.year, last_day.year + 1)))
    holidays_in_range = {day for day in country if first_day <= day <= last_day}
    if not holidays_in_range:  # nothing that could have been opened
        return set()
    opened = set(HolidayOpening.objects.for_organization(organization)
                 .filter(date__range=(first_day, last_day)).values_list("date", flat=True))
    return holidays_in_range - opened


def _qualified(service: Service, staff: Resource | None) -> QuerySet[Resource]:
    candidates = service.staff.filter(is_active=True, organization_id=service.organization_id).order_by("pk")
    return candidates if staff is None else candidates.filter(pk=staff.pk)


def qualified_staff(service: Service, staff: Resource | None = None) -> list[Resource]:
    return list(_qualified(service, staff).select_related("location"))


def occupying(organization: Organization, resource_ids: list[int], lo: datetime, hi: datetime) -> QuerySet[Occupancy]:
    """The active occupancies of the resources that overlap ``[lo, hi)``: one index range per resource."""
    return Occupancy.objects.for_organization(organization).filter(overlapping(lo, hi), resource_id__in=resource_ids,
                                                                   active=True)


def _window(tz: ZoneInfo, first_day: date, last_day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(first_day - timedelta(days=1), datetime.min.time(), tz)
    end = datetime.combine(last_day + timedelta(days=2), datetime.min.time(), tz)
    return start, end



class Resources(NamedTuple):
    """Who and what a booking of a service involves: the qualified active staff (in key order) with their
    locations' time zones, and the active resources (rooms, equipment) the service needs."""

    staff_zones: dict[int, ZoneInfo]
    needed: list[int]


def _resources(service: Service, staff: Resource | None) -> Resources:
    """The service's `Resources` (only `staff`, when one is asked for), in one round trip."""
    people = _qualified(service, staff).order_by().annotate(
        row_kind=Value(0, output_field=IntegerField()), zone=F("location__time_zone")).values_list(
        "row_kind", "pk", "zone")
    people = people.union(service.required_resources.filter(is_active=True).annotate(
        row_kind=Value(1, output_field=IntegerField()), zone=Value("", output_field=CharField())).values_list(
        "row_kind", "pk", "zone"), all=True)
    staff_zones: dict[int, ZoneInfo] = {}
    needed: list[int] = []
    for row_kind, pk, zone in sorted(people):
        if row_kind == 0:
            staff_zones[pk] = ZoneInfo(zone)
        else:
            needed.append(pk)
    return Resources(staff_zones, needed)


_HOURS, _BUSY, _EXCEPTION = 0, 1, 2


def _rows(queryset: QuerySet, row_kind: int, **columns) -> QuerySet:
    """One branch of the union below: every branch has the same ten columns, NULL where it has none."""
    nulls = {"t_start": DateTimeField(), "t_end": DateTimeField(), "weekday_": IntegerField(),
             "wall_start": TimeField(), "wall_end": TimeField(), "day_from": DateField(), "day_until": DateField(),
             "kind_": CharField()}
    values = {name: columns.get(name, Value(None, output_field=field)) for name, field in nulls.items()}
    return queryset.annotate(row_kind=Value(row_kind, output_field=IntegerField()), rid=F("resource_id"),
                             **values).values_list("row_kind", "rid", *nulls)


def _hours_busy_and_exceptions(organization: Organization, ids: list[int], hours_from: date, earliest: datetime,
                               latest: datetime, ignore_appointment_id: int | None) -> tuple[dict, dict, dict, dict]:
    """Working hours, busy time and exceptions of the resources, in one round trip (UNION ALL): per
    resource, the weekly rules, the occupied ``(start, end)`` pairs, and extra and off spans."""
    hours = _rows(WorkingHours.objects.for_organization(organization).filter(resource_id__in=ids).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=hours_from)), _HOURS, weekday_=F("weekday"),
        wall_start=F("start_time"), wall_end=F("end_time"), day_from=F("valid_from"), day_until=F("valid_until"))
    occupancies = occupying(organization, ids, earliest, latest)
    if ignore_appointment_id is not None:
        occupancies = occupancies.exclude(appointment_id=ignore_appointment_id)
    busy = _rows(occupancies, _BUSY, t_start=F("start"), t_end=F("end"))
    exceptions = _rows(HoursException.objects.for_organization(organization).filter(
        resource_id__in=ids, start__lt=latest, end__gt=earliest), _EXCEPTION, t_start=F("start"), t_end=F("end"),
        kind_=F("kind"))
    hours_rows: dict[int, list[tuple]] = defaultdict(list)
    busy_rows: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    extra: dict[int, list[Span]] = defaultdict(list)
    off: dict[int, list[Span]] = defaultdict(list)
    for row_kind, resource_id, start, end, *rule, kind in hours.union(busy, exceptions, all=True):
        if row_kind == _HOURS:
            hours_rows[resource_id].append(tuple(rule))
        elif row_kind == _BUSY:
            busy_rows[resource_id].append((start, end))
        else:
            (extra if kind == TimeOffKind.EXTRA else off)[resource_id].append((to_micros(start), to_micros(end)))
    return hours_rows, busy_rows, extra, off


def free_slots(service: Service, first_day: date, last_day: date, *, staff: Resource | None = None,
               now: datetime | None = None, apply_limits: bool = True,
               ignore_appointment_id: int | None = None, at: datetime | None = None,
               resources: Resources | None = None) -> list[Slot]:
    """Free start times for the service, per qualified staff member, sorted by time then staff.

    Starts follow each staff member's free time (the first moment a free span holds the service, then
    every step) unless the service counts them on the clock from midnight (``Service.start_alignment``).

    `apply_limits` applies the service's minimum notice and maximum advance (online booking);
    staff booking a walk-in or a caller skip them. `ignore_appointment_id` leaves one
    appointment's own occupancy out, for moving it. `at` asks about that one start only, wherever the
    free time holds it: staff who pick a time in the calendar are not bound to the starts offered online.
    `resources` is the service's staff and needed resources when the caller (a booking, which locks them)
    has read them already, under its lock.

    Starts are offered only on the requested local days, but working hours are built for one day more on
    each side: a night shift of the day before reaches into the first day, and a slot that starts on the
    last day may run past midnight into the next day's hours (as ``appointment_book`` accepts it). So a
    day's starts are the same whatever range is asked.

    Rows are read as plain values and the engine's integer path does the arithmetic (microseconds
    since the epoch); days with a clock change still go through its exact wall-clock conversions.
    """
    organization = service.organization
    now = now or timezone.now()
    if not (day_in_range(first_day) and day_in_range(last_day)):  # nothing is bookable there, and the
        return []  # calendar arithmetic around the edges of Python's dates would overflow
    tz_of, needed = resources if resources is not None else _resources(service, staff)
    if not tz_of:
        return []
    staff_ids = list(tz_of)  # in key order
    ids = staff_ids + needed
    earliest = min(_window(tz, first_day, last_day)[0] for tz in tz_of.values())
    latest = max(_window(tz, first_day, last_day)[1] for tz in tz_of.values())
    hours_rows, busy_rows, extra, off = _hours_busy_and_exceptions(organization, ids, first_day - timedelta(days=1),
                                                                   earliest, latest, ignore_appointment_id)
    busy = {pk: to_spans(pairs) for pk, pairs in busy_rows.items()}

    hours_first, hours_last = first_day - timedelta(days=1), last_day + timedelta(days=1)
    closed = closed_days(organization, hours_first, hours_last)
    not_before = to_micros(now + timedelta(minutes=service.min_notice_minutes)) if apply_limits else None
    not_after = to_micros(now + timedelta(days=service.max_advance_days)) if apply_limits else None
    minute = 60_000_000
    needed_busy = [span for pk in needed for span in busy.get(pk, ())]
    duration = service.duration_minutes * minute
    buffer_before = service.buffer_before_minutes * minute
    buffer_after = service.buffer_after_minutes * minute
    granularity = service.granularity_minutes * minute
    if buffer_before + duration + buffer_after > LONGEST_OCCUPANCY // timedelta(microseconds=1):
        return []  # no resource may be held that long (the database refuses it)

    on_the_clock = service.start_alignment == StartAlignment.CLOCK and at is None
    at_micros = None if at is None else to_micros(at)

    def starts_in(free: list[Span], tz: ZoneInfo) -> list[int]:
        # Only starts on the requested local days: the window bounds go to the engine as limits.
        lower = to_micros(datetime.combine(first_day, datetime.min.time(), tz))
        upper = to_micros(datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tz)) - 1
        limits = {"not_before": lower if not_before is None else max(lower, not_before),
                  "not_after": upper if not_after is None else min(upper, not_after)}
        if at_micros is not None:
            low, high = at_micros - buffer_before, at_micros + duration + buffer_after
            fits = limits["not_before"] <= at_micros <= limits["not_after"] and any(
                begin <= low and high <= end for begin, end in free)
            return [at_micros] if fits else []
        if on_the_clock:
            return free_start_micros(free, duration=duration, buffer_before=buffer_before,
                                     buffer_after=buffer_after, granularity=granularity, tz=tz, **limits)
        return aligned_start_micros(free, duration=duration, buffer_before=buffer_before, buffer_after=buffer_after,
                                    step=granularity, tz=tz, **limits)

    # Staff often share one weekly pattern: each pattern's hours (and, on the clock, its grid of starts) are
    # built once per call. On the clock each staff member's busy time strikes starts out of the grid; starts
    # that follow the free time are found in each one's own free time.
    patterns: dict[tuple[ZoneInfo, tuple[tuple, ...]], tuple[list[Span], list[int]]] = {}
    # Start -> the staff free then, in key order: staff free at one time share one datetime.
    free_at: dict[int, list[int]] = defaultdict(list)
    for pk in staff_ids:
        tz = tz_of[pk]
        pattern = (tz, tuple(hours_rows.get(pk, ())))
        if pattern not in patterns:
            rules = [WeeklyRule(*row) for row in pattern[1]]
            working = working_spans(rules, tz, hours_first, hours_last, closed_days=closed)
            patterns[pattern] = working, starts_in(working, tz) if on_the_clock else []
        working, grid = patterns[pattern]
        blocked = off.get(pk, []) + busy.get(pk, []) + needed_busy
        if pk in extra or not on_the_clock:  # hours of its own, or starts that follow the free time
            hours = merge_spans(working + extra[pk]) if pk in extra else working
            starts = starts_in(subtract_spans(hours, blocked), tz)
        else:
            starts = unblocked_starts(grid, blocked, before=buffer_before, after=duration + buffer_after)
        for start in starts:
            free_at[start].append(pk)
    slots: list[Slot] = []
    for start in sorted(free_at):
        moment = from_micros(start)
        # tuple.__new__ is what Slot(...) calls, without its Python-level wrapper: a slot costs half.
        slots.extend([_new_tuple(Slot, (moment, pk)) for pk in free_at[start]])
    return slots


def free_times(slots: list[Slot]) -> list[datetime]:
    """The distinct start times, for "anyone available"."""
    return sorted({s.start for s in slots})
