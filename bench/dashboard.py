"""Dashboard figures: a week of 20 staff members' appointments, utilisation and late cancellations,
against only reading the rows the figures are made of."""

from __future__ import annotations

import datetime as dt
import statistics
import time

from django.db import connection

from bench.booking import FIRST_DAY, HEL, build_staff
from booking.models import Appointment, WorkingHours
from booking.reports import staff_figures


def _baseline_read(organization, ids: list[int], first_day: dt.date, last_day: dt.date) -> None:
    """Only reading the working hours and the week's appointments, computing nothing."""
    start = dt.datetime.combine(first_day, dt.time(), HEL)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), HEL)
    list(WorkingHours.objects.filter(organization=organization, resource_id__in=ids).values_list(
        "resource_id", "weekday", "start_time", "end_time", "valid_from", "valid_until"))
    list(Appointment.objects.filter(organization=organization, staff_id__in=ids, start__lt=end, end__gt=start)
         .values_list("staff_id", "state", "start", "end", "service__cancellation_hours"))


def dashboard_benches(make_org, rounds: int) -> None:
    org = make_org("Dashboard Bench")
    resources = build_staff(org, 20, 2000)  # about 470 appointments in the measured week
    ids = [r.pk for r in resources]
    first_day = FIRST_DAY
    last_day = first_day + dt.timedelta(days=6)
    timed, base = [], []
    for _ in range(rounds):
        t = time.perf_counter()
        rows = staff_figures(org, first_day, last_day)
        timed.append(time.perf_counter() - t)
        t = time.perf_counter()
        _baseline_read(org, ids, first_day, last_day)
        base.append(time.perf_counter() - t)
    assert len(rows) == 20 and sum(r.appointments for r in rows) > 0
    median, baseline = statistics.median(timed), statistics.median(base)
    p95 = sorted(timed)[int(len(timed) * 0.95) - 1]
    print(f"\nDashboard figures for a week of 20 staff ({sum(r.appointments for r in rows)} appointments) "
          f"on {connection.vendor}")
    print(f"{'what':<44}{'median':>12}{'p95':>12}{'baseline':>12}{'ratio':>8}")
    print(f"{'staff figures (hours, bookings, cancellations)':<44}{median * 1e3:>10.2f}ms{p95 * 1e3:>10.2f}ms"
          f"{baseline * 1e3:>10.2f}ms{median / baseline:>8.2f}")
