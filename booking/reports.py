"""How the business did in a period, per staff member: appointments, utilisation, no-shows, late cancellations.

Utilisation is booked time over working time. Working time comes from the engine that offers
free times (weekly hours, public holidays the organization keeps closed, extra hours, time off),
so the dashboard and the booking page never disagree about when someone works. Booked time is the
appointments that hold the time (booked, confirmed, completed), without preparation and clean-up,
clipped to the period. A no-show's time was lost, not used: it counts as a no-show, not as booked.
A cancellation is late when it was made after the service's free-cancellation deadline.

Each staff member's period runs from local midnight to local midnight in their location's zone.
The queries are a fixed handful whatever the number of staff or appointments.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from booking.availability import (
    Span,
    WeeklyRule,
    intersect_spans,
    subtract_spans,
    to_micros,
    working_spans,
)
from booking.models import (
    ACTIVE_STATES,
    Appointment,
    AppointmentState,
    AppointmentTransition,
    HoursException,
    Resource,
    ResourceKind,
    TimeOffKind,
    WorkingHours,
    overlapping,
)
from booking.selectors import closed_days
from tenancy.models import Organization
from tilli.routers import on_replica

MINUTE = 60_000_000  # microseconds


@dataclass
class StaffFigures:
    """One staff member's figures for a period (or, with `resource_id` None, the sum of several)."""

    resource_id: int | None
    name: str
    appointments: int = 0
    booked_minutes: int = 0
    working_minutes: int = 0
    no_shows: int = 0
    late_cancellations: int = 0

    @property
    def utilisation(self) -> int | None:
        """Booked time as a whole percentage of working time; None when there was no working time."""
        if not self.working_minutes:
            return None
        return round(100 * self.booked_minutes / self.working_minutes)

    def add(self, other: StaffFigures) -> None:
        self.appointments += other.appointments
        self.booked_minutes += other.booked_minutes
        self.working_minutes += other.working_minutes
        self.no_shows += other.no_shows
        self.late_cancellations += other.late_cancellations


def period_window(tz: ZoneInfo, first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """From local midnight starting `first_day` to local midnight ending `last_day`."""
    return (datetime.combine(first_day, time.min, tz), datetime.combine(last_day + timedelta(days=1), time.min, tz))


@on_replica
def staff_figures(organization: Organization, first_day: date, last_day: date, *,
                  staff_ids: Iterable[int] | None = None) -> list[StaffFigures]:
    """Figures per active bookable staff member (all of them, or those in `staff_ids`), ordered by name."""
    resources = (Resource.objects.for_organization(organization).filter(kind=ResourceKind.STAFF, is_active=True)
                 .order_by("name", "pk"))
    if staff_ids is not None:
        resources = resources.filter(pk__in=list(staff_ids))
    rows = list(resources.values_list("pk", "name", "location__time_zone"))
    if not rows:
        return []
    ids = [pk for pk, _name, _tz in rows]
    windows = {pk: period_window(ZoneInfo(key), first_day, last_day) for pk, _name, key in rows}
    earliest = min(start for start, _end in windows.values())
    latest = max(end for _start, end in windows.values())

    rules: dict[int, list[WeeklyRule]] = defaultdict(list)
    for resource_id, *row in WorkingHours.objects.for_organization(organization).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=first_day - timedelta(days=1)),
            resource_id__in=ids).values_list("resource_id", "weekday", "start_time", "end_time", "valid_from",
                                              "valid_until"):
        rules[resource_id].append(WeeklyRule(*row))
    extra: dict[int, list[Span]] = defaultdict(list)
    off: dict[int, list[Span]] = defaultdict(list)
    for resource_id, kind, start, end in HoursException.objects.for_organization(organization).filter(
            resource_id__in=ids, start__lt=latest, end__gt=earliest).values_list("resource_id", "kind", "start", "end"):
        (extra if kind == TimeOffKind.EXTRA else off)[resource_id].append((to_micros(start), to_micros(end)))
    closed = closed_days(organization, first_day, last_day)

    figures = {pk: StaffFigures(resource_id=pk, name=name) for pk, name, _tz in rows}
    for pk, _name, key in rows:
        window = tuple(to_micros(moment) for moment in windows[pk])
        working = working_spans(rules[pk], ZoneInfo(key), first_day, last_day, closed_days=closed,
                                extra=extra[pk])
        working = intersect_spans(subtract_spans(working, off[pk]), [window])
        figures[pk].working_minutes = sum(end - start for start, end in working) // MINUTE

    appointments = list(Appointment.objects.for_organization(organization)
                        .filter(overlapping(earliest, latest), staff_id__in=ids)
                        .values_list("pk", "staff_id", "state", "start", "end", "service__cancellation_hours"))
    cancelled = [row[0] for row in appointments if row[2] == AppointmentState.CANCELLED]
    cancelled_at = dict(AppointmentTransition.objects.for_organization(organization).filter(
        appointment_id__in=cancelled, to_state=AppointmentState.CANCELLED).values_list("appointment_id", "at")
    ) if cancelled else {}
    for pk, staff_id, state, start, end, cancellation_hours in appointments:
        window_start, window_end = windows[staff_id]
        if not window_start <= start < window_end:
            continue  # counted in the period it starts in
        row = figures[staff_id]
        if state in ACTIVE_STATES:
            row.appointments += 1
            row.booked_minutes += int((min(end, window_end) - start).total_seconds()) // 60
        elif state == AppointmentState.NO_SHOW:
            row.no_shows += 1
        elif state == AppointmentState.CANCELLED and (when := cancelled_at.get(pk)) is not None \
                and when > start - timedelta(hours=cancellation_hours):
            row.late_cancellations += 1
    return list(figures.values())


def total(rows: Iterable[StaffFigures], name: str) -> StaffFigures:
    """The sum of several staff members' figures; its utilisation is total booked over total working time."""
    result = StaffFigures(resource_id=None, name=name)
    for row in rows:
        result.add(row)
    return result

