"""The dashboard's picture of the business today and this week, shaped by the member's role.

The owner (business figures) sees every staff member today and this week, the takings and the
open data-subject requests by deadline; reception (day figures) sees everyone's work today and
today's takings; a practitioner sees only their own appointments today and this week. The
numbers come from booking.reports and billing.selectors; this module only picks what to show.
Days are the organization's: "this week" is Monday to Sunday in its time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from billing.selectors import takings
from booking.reports import StaffFigures, period_window, staff_figures, total
from privacy.requests import open_requests
from tenancy.roles import Perm

TODAY, WEEK = "today", "week"
REQUESTS_SHOWN = 5


@dataclass
class PeriodFigures:
    key: str
    title: str
    first_day: date
    last_day: date
    total: StaffFigures | None  # all staff together; for one staff member, their own row
    takings: list[tuple[str, Decimal, int]] | None
    lines: list[tuple[StaffFigures, str]] = field(default_factory=list)  # each row and its calendar link, if any


def _own_resource_id(request: HttpRequest) -> int | None:
    try:
        resource = request.membership.resource
    except ObjectDoesNotExist:
        return None
    return resource.pk if resource.is_active else None


def _calendar_link(request: HttpRequest, resource_id: int, day: date, view: str) -> str:
    query = urlencode({"day": day.isoformat(), "view": view, "staff": resource_id})
    return reverse("web:calendar", kwargs={"org_slug": request.organization.slug}) + "?" + query


def business_overview(request: HttpRequest, *, today: date | None = None) -> dict | None:
    """What the dashboard shows of the business for this member, or None when their role shows nothing."""
    membership, organization = request.membership, request.organization
    zone = ZoneInfo(organization.time_zone)
    today = today or datetime.now(zone).date()
    monday = today - timedelta(days=today.weekday())
    periods = [(TODAY, _("Today"), today, today), (WEEK, _("This week"), monday, monday + timedelta(days=6))]
    if membership.has_perm(Perm.VIEW_BUSINESS_FIGURES):
        staff_ids, show_takings = None, membership.has_perm(Perm.VIEW_PAYMENTS)
    elif membership.has_perm(Perm.VIEW_DAY_FIGURES):
        periods, staff_ids, show_takings = periods[:1], None, membership.has_perm(Perm.VIEW_PAYMENTS)
    elif membership.has_perm(Perm.VIEW_CALENDAR) and (own := _own_resource_id(request)) is not None:
        staff_ids, show_takings = [own], False
    else:
        return None
    result = []
    for key, title, first_day, last_day in periods:
        rows = staff_figures(organization, first_day, last_day, staff_ids=staff_ids)
        view = "day" if key == TODAY else "week"
        linked = membership.has_perm(Perm.VIEW_CALENDAR)
        result.append(PeriodFigures(
            key=key, title=title, first_day=first_day, last_day=last_day,
            total=total(rows, _("All staff")) if rows else None,
            takings=takings(organization, *period_window(zone, first_day, last_day)) if show_takings else None,
            lines=[(row, _calendar_link(request, row.resource_id, first_day, view) if linked else "")
                   for row in rows]))
    return {"periods": result, "own_only": staff_ids is not None, "today": today}


def requests_by_deadline(request: HttpRequest, *, today: date | None = None) -> list[dict] | None:
    """The open data-subject requests due soonest (kind and deadline, no names), for the owner."""
    if not request.membership.has_perm(Perm.MANAGE_REQUESTS):
        return None
    today = today or datetime.now(ZoneInfo(request.organization.time_zone)).date()
    rows = []
    for r in open_requests(request.organization)[:REQUESTS_SHOWN]:
        days_left = (r.deadline - today).days
        rows.append({"request": r, "deadline": r.deadline, "days_left": max(days_left, 0),
                     "days_overdue": max(-days_left, 0)})
    return rows
