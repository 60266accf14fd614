"""/api/v1/calendar: the staff calendar's data and its drag-and-drop changes.

A location's day (every bookable staff member, room and device as a column), a staff member's
week, a month's load, a fingerprint to poll, and moving or resizing an appointment. Moves and
resizes go through booking.services and answer 409 with the reason, in the caller's language,
when the time cannot be taken. The panel's calendar page calls these with its session
(api.auth.PanelSession); integrations call them with a token.

Local times (`start_local`, `end_local`) are the location's wall clock without an offset, as a
calendar grid draws them; `start` and `end` are exact instants. A write accepts either: a time
without an offset is read in the location's time zone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import BaseModel

from api.auth import PanelSession, TokenAuth, require
from api.errors import ApiError, ErrorOut
from booking.calendar import CalendarWindow, Shown, calendar_fingerprint, calendar_window, month_load, window_bounds
from booking.models import Appointment, AppointmentState, Location, Occupancy, Resource, ResourceKind, overlapping
from booking.services import SlotTaken, appointment_move, appointment_resize
from kernel.audit import actor_for_request, record_many
from kernel.models import ActorKind, AuditAction
from tenancy.access import get_for_member, scoped
from tenancy.roles import Perm

router = Router(tags=["calendar"], auth=[TokenAuth(), PanelSession()])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
EDITABLE = (AppointmentState.BOOKED, AppointmentState.CONFIRMED)
MAX_DAYS = 42


class ResourceOut(Schema):
    id: int
    name: str
    kind: str


class AppointmentEventOut(BaseModel):
    id: int
    resource_id: int
    start: datetime
    end: datetime
    start_local: str
    end_local: str
    buffer_before_minutes: int
    buffer_after_minutes: int
    state: str
    state_label: str
    service_id: int
    service: str
    colour: str
    client_name: str | None  # only for roles that may see clients
    editable: bool
    resizable: bool
    url: str


class SpanOut(BaseModel):
    resource_id: int
    start_local: str
    end_local: str
    kind: str  # closed, time_off, in_use (a room or device held by an appointment)


class CalendarOut(Schema):
    time_zone: str
    utc_offset: str  # the location's offset at the start of the window, e.g. "+02:00"
    first_day: date
    last_day: date
    fingerprint: str
    resources: list[ResourceOut]
    appointments: list[AppointmentEventOut]
    unavailable: list[SpanOut]
    holidays: list[date]


class DayLoadOut(Schema):
    day: date
    appointments: int
    booked_minutes: int
    working_minutes: int
    percent: int
    closed: bool


class MonthOut(Schema):
    time_zone: str
    days: list[DayLoadOut]


class FingerprintOut(Schema):
    fingerprint: str


class MoveIn(Schema):
    start: datetime
    staff_id: int | None = None


class ResizeIn(Schema):
    end: datetime


def _local(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).replace(tzinfo=None).isoformat(timespec="minutes")


def _offset(tz: ZoneInfo, day: date) -> str:
    return window_bounds(tz, day, day)[0].isoformat()[-6:]


def _location(request: HttpRequest, location_id: int | None) -> Location:
    if location_id is not None:
        return get_for_member(request, Location, perm=Perm.VIEW_CALENDAR, pk=location_id, is_active=True)
    first = scoped(request, Location).filter(is_active=True).order_by("name", "pk").first()
    if first is None:
        raise ApiError(404, "not_found", _("Not found."))
    return first


def _columns(request: HttpRequest, location: Location) -> list[Resource]:
    """Staff first, then rooms and devices, each by name: the order of the day view's columns."""
    resources = list(scoped(request, Resource).filter(location=location, is_active=True))
    order = {ResourceKind.STAFF: 0, ResourceKind.ROOM: 1, ResourceKind.DEVICE: 2}
    return sorted(resources, key=lambda r: (order.get(r.kind, 3), r.name.lower(), r.pk))


def _event(a: Shown, tz: ZoneInfo, *, can_book: bool, can_see_clients: bool, labels: dict[str, str],
           url: str) -> dict:
    editable = can_book and a.state in EDITABLE
    return {
        "id": a.pk, "resource_id": a.staff_id, "start": a.start, "end": a.end,
        "start_local": _local(a.start, tz), "end_local": _local(a.end, tz),
        "buffer_before_minutes": a.service__buffer_before_minutes,
        "buffer_after_minutes": a.service__buffer_after_minutes,
        "state": a.state, "state_label": labels[a.state], "service_id": a.service_id,
        "service": a.service__name, "colour": a.service__colour,
        "client_name": (a.client_name or "—") if a.client_id and can_see_clients else None,
        "editable": editable, "resizable": editable and a.service__length_adjustable,
        "url": url.replace("/0/", f"/{a.pk}/"),
    }


def _state_labels() -> dict[str, str]:
    """Each state's name in the caller's language, looked up once per answer rather than once per block."""
    return {state.value: str(state.label) for state in AppointmentState}


def _url_pattern(request: HttpRequest) -> str:
    return reverse("web:calendar_appointment", kwargs={"org_slug": request.organization.slug, "appointment_id": 0})


def _answer(request: HttpRequest, window: CalendarWindow, tz_name: str) -> dict:
    tz = window.tz
    appointments = window.appointments
    if appointments:
        # Appointments are audit_reads: every one shown is in its client's access log, as on any page.
        record_many(organization=request.organization, actor=_actor(request),
                    action=AuditAction.VIEW, object_type=Appointment._meta.label_lower,
                    subjects=[(str(a.pk), a.client__subject_ref) for a in appointments],
                    detail={"via": "calendar"})
    can_book = request.membership.has_perm(Perm.BOOK_APPOINTMENTS)
    can_see_clients = request.membership.has_perm(Perm.VIEW_CLIENTS)
    staff_ids = {r.pk for r in window.resources if r.kind == ResourceKind.STAFF}
    labels, url = _state_labels(), _url_pattern(request)
    unavailable = [{"resource_id": u.resource_id, "start_local": _local(u.start, tz), "end_local": _local(u.end, tz),
                    "kind": u.kind} for u in window.unavailable if u.resource_id in staff_ids]
    others = [r.pk for r in window.resources if r.kind != ResourceKind.STAFF]
    if others:
        lo, hi = window_bounds(tz, window.first_day, window.last_day)
        for resource_id, start, end in (Occupancy.objects.for_organization(request.organization)
                                        .filter(overlapping(lo, hi), resource_id__in=others, active=True)
                                        .values_list("resource_id", "start", "end")):
            unavailable.append({"resource_id": resource_id, "start_local": _local(start, tz),
                                "end_local": _local(end, tz), "kind": "in_use"})
    return {
        "time_zone": tz_name, "utc_offset": _offset(tz, window.first_day), "first_day": window.first_day,
        "last_day": window.last_day,
        "fingerprint": window.fingerprint,
        "resources": window.resources,
        "appointments": [_event(a, tz, can_book=can_book, can_see_clients=can_see_clients, labels=labels, url=url)
                         for a in appointments],
        "unavailable": unavailable, "holidays": sorted(window.holidays),
    }


def _kind(request: HttpRequest) -> str | None:
    return ActorKind.API if getattr(request, "api_token", None) is not None else None


def _actor(request: HttpRequest):
    kind = _kind(request)
    return actor_for_request(request, kind=kind) if kind else actor_for_request(request)


def _days(first: date, days: int) -> date:
    if not 1 <= days <= MAX_DAYS:
        raise ApiError(422, "invalid", _("Choose from 1 to %(days)d days.") % {"days": MAX_DAYS})
    return first + timedelta(days=days - 1)


@router.get("/calendar/day", response={200: CalendarOut, **ERRORS})
def calendar_day(request: HttpRequest, date: date, location: int | None = None, days: int = 1):
    """A location's day (or `days` days from `date`): every bookable staff member, room and device as a column."""
    require(request, Perm.VIEW_CALENDAR)
    place = _location(request, location)
    tz = ZoneInfo(place.time_zone)
    window = calendar_window(request.organization, _columns(request, place), tz, date, _days(date, days))
    return _answer(request, window, place.time_zone)


@router.get("/calendar/week", response={200: CalendarOut, **ERRORS})
def calendar_week(request: HttpRequest, staff: int, date: date):
    """One staff member's week, Monday to Sunday, around `date`."""
    require(request, Perm.VIEW_CALENDAR)
    resource = get_for_member(request, Resource, perm=Perm.VIEW_CALENDAR, pk=staff, kind=ResourceKind.STAFF)
    tz = ZoneInfo(resource.location.time_zone)
    monday = date - timedelta(days=date.weekday())
    window = calendar_window(request.organization, [resource], tz, monday, monday + timedelta(days=6))
    return _answer(request, window, resource.location.time_zone)


@router.get("/calendar/month", response={200: MonthOut, **ERRORS})
def calendar_month(request: HttpRequest, date: date, location: int | None = None, staff: int | None = None):
    """Each day of the month: how many appointments, and booked time against working time."""
    require(request, Perm.VIEW_CALENDAR)
    if staff is not None:
        resource = get_for_member(request, Resource, perm=Perm.VIEW_CALENDAR, pk=staff, kind=ResourceKind.STAFF)
        place, resources = resource.location, [resource]
    else:
        place = _location(request, location)
        resources = [r for r in _columns(request, place) if r.kind == ResourceKind.STAFF]
    first = date.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    days = month_load(request.organization, resources, ZoneInfo(place.time_zone), first, last)
    return {"time_zone": place.time_zone,
            "days": [{"day": d.day, "appointments": d.appointments, "booked_minutes": d.booked_minutes,
                      "working_minutes": d.working_minutes, "percent": d.percent, "closed": d.closed} for d in days]}


@router.get("/calendar/fingerprint", response={200: FingerprintOut, **ERRORS})
def calendar_poll(request: HttpRequest, date: date, location: int | None = None, staff: int | None = None,
                  days: int = 1):
    """A digest of what a day or week shows, without personal data: poll it, and fetch again when it changes."""
    require(request, Perm.VIEW_CALENDAR)
    if staff is not None:
        resource = get_for_member(request, Resource, perm=Perm.VIEW_CALENDAR, pk=staff, kind=ResourceKind.STAFF)
        tz, ids = ZoneInfo(resource.location.time_zone), [resource.pk]
        first = date - timedelta(days=date.weekday())
        last = first + timedelta(days=6)
    else:
        place = _location(request, location)
        tz, ids = ZoneInfo(place.time_zone), [r.pk for r in _columns(request, place)]
        first, last = date, _days(date, days)
    return {"fingerprint": calendar_fingerprint(request.organization, ids, tz, first, last)}


def _aware(value: datetime, tz: ZoneInfo) -> datetime:
    return value if value.tzinfo is not None else timezone.make_aware(value, tz)


def _refused(error: SlotTaken) -> ApiError:
    return ApiError(409, "slot_taken" if error.code == "taken" else error.code, str(error))


def _appointment_out(request: HttpRequest, appointment: Appointment) -> dict:
    tz = ZoneInfo(appointment.staff.location.time_zone)
    day = appointment.start.astimezone(tz).date()
    window = calendar_window(request.organization, [appointment.staff], tz, day, day)
    shown = next(a for a in window.appointments if a.pk == appointment.pk)
    return _event(shown, tz, can_book=True, can_see_clients=request.membership.has_perm(Perm.VIEW_CLIENTS),
                  labels=_state_labels(), url=_url_pattern(request))


@router.post("/calendar/appointments/{appointment_id}/move", response={200: AppointmentEventOut, **ERRORS})
def calendar_move(request: HttpRequest, appointment_id: int, payload: MoveIn):
    """Move to another start (and staff member), keeping the length; 409 with the reason if it cannot go there."""
    appointment = get_for_member(request, Appointment, perm=Perm.BOOK_APPOINTMENTS, pk=appointment_id)
    staff = None
    if payload.staff_id is not None and payload.staff_id != appointment.staff_id:
        staff = get_for_member(request, Resource, perm=Perm.BOOK_APPOINTMENTS, pk=payload.staff_id,
                               kind=ResourceKind.STAFF)
    tz = ZoneInfo((staff or appointment.staff).location.time_zone)
    try:
        moved = appointment_move(appointment=appointment, start=_aware(payload.start, tz), staff=staff,
                                 actor=_actor(request))
    except SlotTaken as error:
        raise _refused(error) from None
    return _appointment_out(request, moved)


@router.post("/calendar/appointments/{appointment_id}/resize", response={200: AppointmentEventOut, **ERRORS})
def calendar_resize(request: HttpRequest, appointment_id: int, payload: ResizeIn):
    """Change the end where the service allows it; 409 with the reason if the longer time is not free."""
    appointment = get_for_member(request, Appointment, perm=Perm.BOOK_APPOINTMENTS, pk=appointment_id)
    tz = ZoneInfo(appointment.staff.location.time_zone)
    try:
        resized = appointment_resize(appointment=appointment, end=_aware(payload.end, tz), actor=_actor(request))
    except SlotTaken as error:
        raise _refused(error) from None
    return _appointment_out(request, resized)
