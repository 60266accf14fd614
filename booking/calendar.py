"""Reading the staff calendar: who works when, which appointments fall in a window, and each day's load.

A few queries per window whatever the number of staff (hours, exceptions, appointments), then
the interval arithmetic of booking.availability. Times stay aware (UTC); presentation turns
them into the location's wall clock. Client names are not decided here: the caller's role is.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.db.models import Q

from booking.availability import WeeklyRule, from_micros, merge_spans, subtract_spans, to_micros, working_spans
from booking.models import (
    Appointment,
    AppointmentState,
    HoursException,
    Resource,
    TimeOffKind,
    WorkingHours,
    overlapping,
)
from booking.selectors import closed_days
from clients.models import ClientKind
from tenancy.models import Organization

# Appointments the calendar draws: a cancelled one has freed its time and would only clutter it.
SHOWN_STATES = (AppointmentState.BOOKED, AppointmentState.CONFIRMED, AppointmentState.ARRIVED,
                AppointmentState.COMPLETED, AppointmentState.NO_SHOW)


class Shown(NamedTuple):
    """An appointment as the calendar draws it (field names are the ORM paths they are read from)."""

    pk: int
    staff_id: int
    start: datetime
    end: datetime
    state: str
    service_id: int
    service__name: str
    service__colour: str
    service__length_adjustable: bool
    service__buffer_before_minutes: int
    service__buffer_after_minutes: int
    client_id: int | None
    client__kind: str | None
    client__first_name: str | None
    client__last_name: str | None
    client__company_name: str | None
    client__subject_ref: uuid.UUID | None
    revision: int

    @property
    def client_name(self) -> str:
        """As Client.display_name: a company by its name, a person by first and last name."""
        if self.client__kind == ClientKind.COMPANY:
            return self.client__company_name or ""
        return f"{self.client__first_name or ''} {self.client__last_name or ''}".strip()


@dataclass(frozen=True)
class Unavailable:
    """A span in which a resource takes no bookings: outside its hours, time off, or a closed holiday."""

    resource_id: int
    start: datetime
    end: datetime
    kind: str  # "closed" (outside hours or a holiday) or "time_off"


@dataclass
class CalendarWindow:
    first_day: date
    last_day: date
    tz: ZoneInfo
    resources: list[Resource]
    appointments: list[Shown] = field(default_factory=list)
    unavailable: list[Unavailable] = field(default_factory=list)
    holidays: set[date] = field(default_factory=set)
    fingerprint: str = ""


def window_bounds(tz: ZoneInfo, first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """Local midnight of `first_day` to local midnight after `last_day` (23- or 25-hour days included)."""
    return datetime.combine(first_day, time.min, tz), datetime.combine(last_day + timedelta(days=1), time.min, tz)


def _appointments(organization: Organization, resource_ids: list[int], start: datetime, end: datetime):
    """Every appointment of `resources` in the window, cancelled ones too (the fingerprint counts them)."""
    return (Appointment.objects.for_organization(organization)
            .filter(overlapping(start, end), staff_id__in=resource_ids))


def _digest(appointments: list[tuple], exceptions: list[tuple]) -> str:
    """(pk, revision, state, staff, start, end) of each appointment and (pk, start, end) of each exception."""
    return hashlib.sha256(repr((sorted(appointments), sorted(exceptions))).encode()).hexdigest()[:32]


def working_by_resource(organization: Organization, resource_ids: list[int], tz: ZoneInfo, first_day: date,
                        last_day: date, closed: set[date]) -> tuple[dict[int, list], dict[int, list]]:
    """Each resource's working spans (weekly hours plus extra hours) and time-off spans, as int spans.

    Hours are built from the day before: a night shift that starts then reaches into `first_day`.
    """
    working, off, _ = _working_and_exceptions(organization, resource_ids, tz, first_day, last_day, closed)
    return working, off


def _working_and_exceptions(organization: Organization, resource_ids: list[int], tz: ZoneInfo, first_day: date,
                            last_day: date, closed: set[date]) -> tuple[dict[int, list], dict[int, list], list[tuple]]:
    """As working_by_resource, with the (pk, start, end) of the exceptions read, for the fingerprint."""
    lo, hi = window_bounds(tz, first_day, last_day)
    eve = first_day - timedelta(days=1)
    rules: dict[int, list[WeeklyRule]] = defaultdict(list)
    for resource_id, *row in WorkingHours.objects.for_organization(organization).filter(
            resource_id__in=resource_ids).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=eve)).values_list(
            "resource_id", "weekday", "start_time", "end_time", "valid_from", "valid_until"):
        rules[resource_id].append(WeeklyRule(*row))
    extra: dict[int, list] = defaultdict(list)
    off: dict[int, list] = defaultdict(list)
    seen = []
    for pk, resource_id, kind, start, end in _exceptions(organization, resource_ids, lo, hi).values_list(
            "pk", "resource_id", "kind", "start", "end"):
        (extra if kind == TimeOffKind.EXTRA else off)[resource_id].append((to_micros(start), to_micros(end)))
        seen.append((pk, start, end))
    patterns: dict[tuple, list] = {}  # staff often share one weekly pattern: build its spans once
    working: dict[int, list] = {}
    for pk in resource_ids:
        key = tuple(rules.get(pk, ()))
        if key not in patterns:
            spans = working_spans(list(key), tz, eve, last_day, closed_days=closed)
            low, high = to_micros(lo), to_micros(hi)
            patterns[key] = [(max(a, low), min(b, high)) for a, b in spans if b > low and a < high]
        spans = patterns[key]
        working[pk] = merge_spans(spans + extra[pk]) if pk in extra else spans
    return working, off, seen


def _exceptions(organization: Organization, resource_ids: list[int], start: datetime, end: datetime):
    return HoursException.objects.for_organization(organization).filter(
        resource_id__in=resource_ids, start__lt=end, end__gt=start)


def calendar_window(organization: Organization, resources: list[Resource], tz: ZoneInfo, first_day: date,
                    last_day: date) -> CalendarWindow:
    """The appointments of `resources` between two local days and the spans in which each takes no bookings."""
    resource_ids = [r.pk for r in resources]
    lo, hi = window_bounds(tz, first_day, last_day)
    window = CalendarWindow(first_day, last_day, tz, resources)
    # Plain rows, not model instances: a day of 300 appointments is read at the cost of its tuples,
    # and only the client's name fields and pseudonym (the rest, some of it encrypted, is not shown).
    # The same rows (and the exceptions read for the hours) make the fingerprint: no second query.
    rows = [Shown(*row) for row in _appointments(organization, resource_ids, lo, hi)
            .order_by("start", "pk").values_list(*Shown._fields)]
    window.appointments = [a for a in rows if a.state in SHOWN_STATES]
    window.holidays = closed_days(organization, first_day, last_day)
    working, off, exceptions = _working_and_exceptions(organization, resource_ids, tz, first_day, last_day,
                                                   window.holidays)
    window.fingerprint = _digest([(a.pk, a.revision, a.state, a.staff_id, a.start, a.end) for a in rows], exceptions)
    whole = [(to_micros(lo), to_micros(hi))]
    for pk in resource_ids:
        for start, end in subtract_spans(whole, working[pk]):
            window.unavailable.append(Unavailable(pk, from_micros(start), from_micros(end), "closed"))
        for start, end in merge_spans(off.get(pk, [])):
            window.unavailable.append(Unavailable(pk, from_micros(max(start, whole[0][0])),
                                                  from_micros(min(end, whole[0][1])), "time_off"))
    return window


def calendar_fingerprint(organization: Organization, resource_ids: list[int], tz: ZoneInfo, first_day: date,
                         last_day: date) -> str:
    """A short digest of what the window shows, without personal data: polling compares it and fetches
    (and so audits) the appointments again only when something changed. Equal to the window's own."""
    lo, hi = window_bounds(tz, first_day, last_day)
    rows = _appointments(organization, resource_ids, lo, hi).values_list("pk", "revision", "state", "staff_id",
                                                                         "start", "end")
    return _digest(list(rows), list(_exceptions(organization, resource_ids, lo, hi).values_list("pk", "start", "end")))


@dataclass(frozen=True)
class DayLoad:
    day: date
    appointments: int
    booked_minutes: int
    working_minutes: int
    closed: bool

    @property
    def percent(self) -> int:
        """Booked time as a share of working time; 0 where nobody works."""
        if not self.working_minutes:
            return 0
        return min(100, round(100 * self.booked_minutes / self.working_minutes))


def month_load(organization: Organization, resources: list[Resource], tz: ZoneInfo, first_day: date,
               last_day: date) -> list[DayLoad]:
    """Per local day: appointments, booked minutes and working minutes of `resources`."""
    resource_ids = [r.pk for r in resources]
    closed = closed_days(organization, first_day, last_day)
    working, off = working_by_resource(organization, resource_ids, tz, first_day, last_day, closed)
    counts: dict[date, int] = defaultdict(int)
    booked: dict[date, int] = defaultdict(int)
    lo, hi = window_bounds(tz, first_day, last_day)
    for start, end, state in (_appointments(organization, resource_ids, lo, hi).filter(state__in=SHOWN_STATES)
                              .values_list("start", "end", "state")):
        day = start.astimezone(tz).date()
        counts[day] += 1
        if state != AppointmentState.NO_SHOW:
            booked[day] += int((end - start).total_seconds() // 60)
    minutes: dict[date, int] = defaultdict(int)
    for pk in resource_ids:
        for start, end in subtract_spans(working[pk], off.get(pk, [])):
            minutes[from_micros(start).astimezone(tz).date()] += (end - start) // 60_000_000
    days = []
    day = first_day
    while day <= last_day:
        days.append(DayLoad(day, counts[day], booked[day], minutes[day], day in closed))
        day += timedelta(days=1)
    return days
