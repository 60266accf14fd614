"""Staff calendar: a day and a week per staff member, booking, moving and changing states.

Times are shown in the staff member's location's time zone. A day is built from its local
date (23 or 25 hours on DST days) and appointments are placed by their local start.
Every change goes through booking.services; reads go through tenancy.access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Max, Min
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from booking.availability import WeeklyRule
from booking.models import (
    ALLOWED_TRANSITIONS,
    Appointment,
    AppointmentState,
    Channel,
    Location,
    Resource,
    ResourceKind,
    Service,
    WorkingHours,
    overlapping,
)
from booking.selectors import free_slots
from booking.services import (
    SlotTaken,
    appointment_book,
    appointment_book_new_client,
    appointment_move,
    appointment_transition,
)
from clients.models import Client
from clients.selectors import search_clients_for
from kernel.audit import actor_for_request, record_many
from kernel.models import ActorKind, AuditAction
from tenancy.access import get_for_member, require_perm, scoped
from tenancy.models import Membership
from tenancy.roles import Perm
from tilli.lib.dates import instant_in_range, parse_day, parse_instant

DAY, WEEK, MONTH = "day", "week", "month"
NEW_CLIENT_FIELDS = ("first_name", "last_name", "phone", "email")
STAFF_CHANNELS = (Channel.PHONE, Channel.STAFF, Channel.WALK_IN)
DEFAULT_HOURS = (8, 17)

# What each state change is called on its button.
ACTION_LABELS = {
    AppointmentState.CONFIRMED: gettext_lazy("Confirm"),
    AppointmentState.ARRIVED: gettext_lazy("Mark arrived"),
    AppointmentState.COMPLETED: gettext_lazy("Mark completed"),
    AppointmentState.NO_SHOW: gettext_lazy("Mark no-show"),
    AppointmentState.CANCELLED: gettext_lazy("Cancel appointment"),
}


ACTION_ORDER = (AppointmentState.CONFIRMED, AppointmentState.ARRIVED, AppointmentState.COMPLETED,
                AppointmentState.NO_SHOW, AppointmentState.CANCELLED)


@dataclass
class HourRow:
    start: datetime  # local
    label_offset: bool = False  # the wall-clock hour repeats (autumn DST): show the zone name
    appointments: list[Appointment] = field(default_factory=list)


@dataclass
class DayColumn:
    day: date
    is_today: bool
    appointments: list[Appointment] = field(default_factory=list)
    url: str = ""


# ---------------------------------------------------------------------------------------------
# Helpers


def _staff_list(request: HttpRequest, location_id: int | None = None) -> list[Resource]:
    staff = scoped(request, Resource).filter(kind=ResourceKind.STAFF, is_active=True).select_related("location")
    if location_id:
        staff = staff.filter(location_id=location_id)
    return list(staff.order_by("location__name", "name", "pk"))


def _int(value) -> int | None:
    value = (value or "").strip() if isinstance(value, str) else value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _pick_staff(request: HttpRequest, staff: list[Resource], wanted) -> Resource | None:
    wanted_id = _int(wanted)
    if wanted_id is not None:
        for resource in staff:
            if resource.pk == wanted_id:
                return resource
    try:
        own = request.membership.resource
    except ObjectDoesNotExist:
        own = None
    if own is not None and any(r.pk == own.pk for r in staff):
        return next(r for r in staff if r.pk == own.pk)
    return staff[0] if staff else None


def _tz(resource: Resource) -> ZoneInfo:
    return ZoneInfo(resource.location.time_zone)


def _today(tz: ZoneInfo) -> date:
    return datetime.now(tz).date()


def _parse_day(value, tz: ZoneInfo) -> date:
    """The chosen day, or today for anything that is not a day within Tilli's range."""
    return parse_day(value) or _today(tz)


def _window(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """From local midnight of `first` to local midnight after `last`."""
    return (datetime.combine(first, time.min, tz), datetime.combine(last + timedelta(days=1), time.min, tz))


def _calendar_url(request: HttpRequest, *, day: date, staff: Resource | None, view: str = DAY,
                  name: str = "web:calendar") -> str:
    query = {"day": day.isoformat(), "view": view}
    if staff is not None:
        query["staff"] = staff.pk
    return reverse(name, kwargs={"org_slug": request.organization.slug}) + "?" + urlencode(query)


def _list_url(request: HttpRequest, *, day: date, staff: Resource | None, view: str = DAY) -> str:
    return _calendar_url(request, day=day, staff=staff, view=view, name="web:calendar_list")


def _appointments(request: HttpRequest, resource: Resource, start: datetime, end: datetime) -> list[Appointment]:
    # Bounded on both sides of `start` (no appointment is longer than LONGEST_OCCUPANCY): an index range on
    # (organization, staff, start), not every appointment of the staff member before the day's end.
    appointments = list(scoped(request, Appointment).filter(overlapping(start, end), staff=resource)
                        .select_related("service", "client").order_by("start", "pk"))
    if appointments:
        # The calendar shows appointments (audit_reads): one access-log event per appointment shown,
        # so each client's own access log lists it.
        record_many(organization=request.organization, actor=actor_for_request(request), action=AuditAction.VIEW,
                    object_type=Appointment._meta.label_lower,
                    subjects=[(str(a.pk), a.client.subject_ref if a.client_id else None) for a in appointments],
                    detail={"via": "calendar"})
    for a in appointments:
        a.actions = [(state, ACTION_LABELS[state]) for state in
                     ACTION_ORDER if state in ALLOWED_TRANSITIONS[a.state]]
        a.movable = a.state in (AppointmentState.BOOKED, AppointmentState.CONFIRMED)
    return appointments


def _working_span(request: HttpRequest, resource: Resource, day: date) -> tuple[int, int]:
    """The first and last (exclusive) local hour the staff member works on the day, or the default.

    Hours ending at midnight run to 24; a night shift of the day before opens the day at 0.
    """
    previous = day - timedelta(days=1)
    rules = [WeeklyRule(h.weekday, h.start_time, h.end_time, h.valid_from, h.valid_until)
             for h in scoped(request, WorkingHours).filter(resource=resource,
                                                           weekday__in={day.weekday(), previous.weekday()})]
    midnight = datetime.combine(day, time(0))
    bounds = [(max(datetime.combine(rule_day, rule.start), midnight),
               min(rule.end_wall(rule_day), midnight + timedelta(days=1)))
              for rule_day in (previous, day) for rule in rules if rule.applies_on(rule_day)]
    bounds = [(start, end) for start, end in bounds if start < end]
    if not bounds:
        return DEFAULT_HOURS
    last = max(end for _, end in bounds) - midnight
    return min(start for start, _ in bounds).hour, -(-last // timedelta(hours=1))


def _hour_rows(day: date, tz: ZoneInfo, appointments: list[Appointment], span: tuple[int, int]) -> list[HourRow]:
    """One row per real hour of the local day (23 or 25 on DST days), stepping in UTC."""
    start, end = _window(day, day, tz)
    rows: list[HourRow] = []
    instant = start.astimezone(UTC)
    seen: set[int] = set()
    while instant < end:
        local = instant.astimezone(tz)
        rows.append(HourRow(start=local, label_offset=local.hour in seen))
        seen.add(local.hour)
        instant += timedelta(hours=1)
    for row in rows:
        if row.label_offset:  # the first of the two equal hours needs its zone name too
            for other in rows:
                if other.start.hour == row.start.hour:
                    other.label_offset = True
    for a in appointments:
        target = rows[0]
        for row in rows:
            if row.start <= a.start:
                target = row
        target.appointments.append(a)
    first, last = span
    if appointments:
        first = min(first, min(r.start.hour for r in rows if r.appointments))
        last = max(last, max(r.start.hour for r in rows if r.appointments) + 1)
    return [r for r in rows if first <= r.start.hour < last or r.appointments]


def _free_times(service: Service | None, resource: Resource, day: date, *,
                ignore_appointment_id: int | None = None) -> list[datetime]:
    if service is None:
        return []
    slots = free_slots(service, day, day, staff=resource, apply_limits=False,
                       ignore_appointment_id=ignore_appointment_id)
    tz = _tz(resource)
    return [s.start.astimezone(tz) for s in slots if s.staff_id == resource.pk]


def _parse_wall(value: str, tz: ZoneInfo) -> datetime | None:
    """A wall-clock time without an offset (as the calendar grid sends it), in the location's zone."""
    try:
        wall = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    wall = wall.replace(tzinfo=tz) if wall.tzinfo is None else wall.astimezone(tz)
    return wall if instant_in_range(wall) else None


# ---------------------------------------------------------------------------------------------
# Views


def calendar(request: HttpRequest) -> HttpResponse:
    """The resource calendar: a location's day with every column, a staff member's week, a month's load.

    The page is a shell; its data and changes come from the JSON API (api.calendar) with the session.
    The old URL parameters (`staff`, `day`, `view`) still choose what it opens on.
    """
    require_perm(request, Perm.VIEW_CALENDAR)
    staff = _staff_list(request)
    locations = list(scoped(request, Location).filter(is_active=True).order_by("name", "pk"))
    resource = _pick_staff(request, staff, request.GET.get("staff"))
    location = next((loc for loc in locations if loc.pk == _int(request.GET.get("location"))), None)
    if location is None:
        location = resource.location if resource is not None else (locations[0] if locations else None)
    view = request.GET.get("view") if request.GET.get("view") in (DAY, WEEK, MONTH) else DAY
    tz = ZoneInfo(location.time_zone if location else request.organization.time_zone)
    day = _parse_day(request.GET.get("day"), tz)
    start_hour, end_hour = _location_hours(request, location)
    can_book = request.membership.has_perm(Perm.BOOK_APPOINTMENTS)
    slug = request.organization.slug
    config = {
        "organization": slug, "api": "/api/v1/calendar", "view": view, "date": day.isoformat(),
        "today": _today(tz).isoformat(), "location": location.pk if location else None,
        "staff": resource.pk if resource else None, "canBook": can_book,
        "newUrl": reverse("web:calendar_new", kwargs={"org_slug": slug}),
        "pageUrl": reverse("web:calendar", kwargs={"org_slug": slug}),
        "slotMinTime": f"{start_hour:02d}:00:00", "slotMaxTime": f"{end_hour:02d}:00:00",
        "locale": translation.get_language() or "en",
        "utcOffset": datetime.now(tz).isoformat()[-6:],  # the grid's clock (the now line) is the location's
        "text": {
            "moved": _("Appointment moved."), "resized": _("Appointment length changed."),
            "refused": _("The change was not made."), "failed": _("The calendar could not be updated. "
                                                                   "Check your connection."),
            "updated": _("The calendar was updated."), "noClient": _("No client"),
            "notStaff": _("Appointments go to staff members; a room or device follows its appointment."),
            "appointments": _("Appointments"), "load": _("Booked"), "holiday": _("Holiday"),
            "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        },
    }
    context = {"staff": staff, "resource": resource, "locations": locations, "location": location, "view": view,
               "day": day, "can_book": can_book, "config": config,
               "list_url": reverse("web:calendar_list", kwargs={"org_slug": slug}) + "?" + urlencode(
                   {"day": day.isoformat(), **({"staff": resource.pk} if resource else {})})}
    return render(request, "web/calendar/grid.html", context)


def _location_hours(request: HttpRequest, location: Location | None) -> tuple[int, int]:
    """The hours the day grid spans: from the earliest start to the latest end of anyone at the location."""
    if location is None:
        return DEFAULT_HOURS
    hours = scoped(request, WorkingHours).filter(location=location).aggregate(first=Min("start_time"),
                                                                              last=Max("end_time"))
    if hours["first"] is None:
        return DEFAULT_HOURS
    last = hours["last"]
    return max(0, hours["first"].hour - 1), min(24, last.hour + (2 if last.minute else 1))


def calendar_list(request: HttpRequest) -> HttpResponse:
    """One staff member's day or week as a plain list: the calendar without scripts, for printing and reading."""
    require_perm(request, Perm.VIEW_CALENDAR)
    staff = _staff_list(request)
    resource = _pick_staff(request, staff, request.GET.get("staff"))
    view = WEEK if request.GET.get("view") == WEEK else DAY
    context = {"staff": staff, "resource": resource, "view": view,
               "can_book": request.membership.has_perm(Perm.BOOK_APPOINTMENTS),
               "can_see_clients": request.membership.has_perm(Perm.VIEW_CLIENTS)}
    if resource is None:
        return render(request, "web/calendar/calendar.html", context)
    tz = _tz(resource)
    day = _parse_day(request.GET.get("day"), tz)
    today = _today(tz)
    if view == WEEK:
        monday = day - timedelta(days=day.weekday())
        first, last = monday, monday + timedelta(days=6)
        step = timedelta(days=7)
    else:
        first = last = day
        step = timedelta(days=1)
    start, end = _window(first, last, tz)
    appointments = _appointments(request, resource, start, end)
    context.update({
        "tz": tz, "tz_name": resource.location.time_zone, "day": day, "today": today, "first": first, "last": last,
        "prev_url": _list_url(request, day=day - step, staff=resource, view=view),
        "next_url": _list_url(request, day=day + step, staff=resource, view=view),
        "today_url": _list_url(request, day=today, staff=resource, view=view),
        "day_url": _list_url(request, day=day, staff=resource, view=DAY),
        "week_url": _list_url(request, day=day, staff=resource, view=WEEK),
        "new_url": reverse("web:calendar_new", kwargs={"org_slug": request.organization.slug}) + "?" + urlencode(
            {"staff": resource.pk, "day": day.isoformat()}),
    })
    if view == WEEK:
        columns = []
        for offset in range(7):
            current = first + timedelta(days=offset)
            day_start, day_end = _window(current, current, tz)
            columns.append(DayColumn(current, current == today,
                                     [a for a in appointments if day_start <= a.start < day_end]))
        columns[0].appointments = [a for a in appointments if a.start < _window(first, first, tz)[1]]
        for column in columns:
            column.url = _list_url(request, day=column.day, staff=resource)
        context["columns"] = columns
    else:
        context["rows"] = _hour_rows(day, tz, appointments, _working_span(request, resource, day))
    return render(request, "web/calendar/calendar.html", context)


def appointment_new(request: HttpRequest) -> HttpResponse:
    """Book for a caller, a walk-in or on the client's behalf: staff, day, service, client, free time."""
    require_perm(request, Perm.BOOK_APPOINTMENTS)
    source = request.POST if request.method == "POST" else request.GET
    staff = _staff_list(request)
    resource = _pick_staff(request, staff, source.get("staff"))
    if resource is None:
        return render(request, "web/calendar/new.html", {"staff": staff, "resource": None})
    tz = _tz(resource)
    day = _parse_day(source.get("day"), tz)
    services = list(scoped(request, Service).filter(is_active=True, staff=resource).order_by("name", "pk"))
    wanted_service = _int(source.get("service"))
    service = next((s for s in services if s.pk == wanted_service), services[0] if services else None)
    can_search = request.membership.has_perm(Perm.VIEW_CLIENTS)
    query = source.get("q", "").strip()[:100] if can_search and request.method == "POST" else ""
    chosen_client = None
    client_id = _int(source.get("client"))
    if client_id is not None and can_search:
        chosen_client = get_for_member(request, Client, perm=Perm.VIEW_CLIENTS, pk=client_id)
    errors: list[str] = []
    # A caller who is not a client yet is created in place, with the booking (clients.services checks the data).
    can_create = request.membership.has_perm(Perm.EDIT_CLIENTS)
    new_client = can_create and source.get("client") == "new"
    new_client_data = {name: source.get(f"new_{name}", "").strip()[:200] for name in NEW_CLIENT_FIELDS}
    chosen_start = source.get("start", "")
    at = source.get("at", "")
    if not at and source.get("time"):  # the calendar's "book at" form: a day and a time of day
        at = f"{source.get('day', '')}T{source.get('time', '')}"
    clicked = _parse_wall(at, tz)
    if not chosen_start and clicked is not None:  # a click on the calendar's empty time, or "book at"
        chosen_start, day = clicked.isoformat(), clicked.date()
    channel = source.get("channel") if source.get("channel") in STAFF_CHANNELS else Channel.PHONE

    # A client search is a POST too, so names never travel in a URL (or a server's request log).
    searching = request.method == "POST" and source.get("search") == "1"
    if request.method == "POST" and not searching:
        start = parse_instant(chosen_start)
        if service is None:
            errors.append(_("Choose a service."))
        if start is None:
            errors.append(_("Choose a free time."))
        if not errors:
            wishes = source.get("wishes", "").strip()[:2000]
            try:
                if new_client:
                    appointment = appointment_book_new_client(
                        service=service, start=start, client_data=new_client_data, channel=channel,
                        actor=actor_for_request(request), staff=resource, wishes=wishes)
                else:
                    appointment = appointment_book(service=service, start=start, client=chosen_client,
                                                   channel=channel, actor=actor_for_request(request), staff=resource,
                                                   wishes=wishes)
            except SlotTaken as error:
                errors.append(str(error))
            except ValidationError as error:
                errors.extend(error.messages)
            else:
                messages.success(request, _("Appointment booked."))
                local_day = appointment.start.astimezone(tz).date()
                return redirect(_calendar_url(request, day=local_day, staff=resource))

    results = []
    if query:
        results = search_clients_for(request.organization, query, actor=actor_for_request(request), limit=10,
                                     via="calendar")
    if chosen_client is not None and all(c.pk != chosen_client.pk for c in results):
        results.insert(0, chosen_client)
    context = {
        "staff": staff, "resource": resource, "tz_name": resource.location.time_zone, "day": day,
        "services": services, "service": service, "query": query, "results": results,
        "chosen_client": chosen_client, "chosen_start": chosen_start, "channel": channel,
        "channels": [(c.value, c.label) for c in STAFF_CHANNELS], "errors": errors, "can_search": can_search,
        "can_create": can_create, "new_client": new_client, "new_client_data": new_client_data,
        "times": _free_times(service, resource, day), "wishes": source.get("wishes", ""),
        "calendar_url": _calendar_url(request, day=day, staff=resource),
    }
    status = 409 if errors and request.method == "POST" else 200
    if request.htmx and (request.method == "GET" or searching):
        target = request.htmx.target
        if target == "client-choices":
            return render(request, "web/calendar/_client_choices.html", context)
        if target == "free-times":
            return render(request, "web/calendar/_free_times.html", context)
    return render(request, "web/calendar/new.html", context, status=status)


def appointment_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """One appointment: its details, its state buttons, and free times to move it to."""
    appointment = get_for_member(request, Appointment, perm=Perm.VIEW_CALENDAR, pk=appointment_id)
    resource = appointment.staff
    tz = _tz(resource)
    day = _parse_day(request.GET.get("day") or appointment.start.astimezone(tz).date().isoformat(), tz)
    appointment.actions = [(state, ACTION_LABELS[state]) for state in
                           ACTION_ORDER if state in ALLOWED_TRANSITIONS[appointment.state]]
    appointment.allowed = ALLOWED_TRANSITIONS[appointment.state]
    movable = appointment.state in (AppointmentState.BOOKED, AppointmentState.CONFIRMED)
    can_book = request.membership.has_perm(Perm.BOOK_APPOINTMENTS)
    times = []
    if movable and can_book:
        times = [t for t in _free_times(appointment.service, resource, day, ignore_appointment_id=appointment.pk)
                 if t != appointment.start]
    can_see_clients = request.membership.has_perm(Perm.VIEW_CLIENTS)
    next_visit = {"staff": resource.pk, "service": appointment.service_id,
                  "day": (appointment.start.astimezone(tz).date() + timedelta(days=28)).isoformat()}
    if appointment.client_id and can_see_clients:
        next_visit["client"] = appointment.client_id
    context = {"appointment": appointment, "resource": resource, "tz_name": resource.location.time_zone,
               "day": day, "times": times, "movable": movable, "can_book": can_book,
               "can_see_clients": can_see_clients, "history": _history(request, appointment),
               "next_visit_url": reverse("web:calendar_new", kwargs={"org_slug": request.organization.slug})
               + "?" + urlencode(next_visit),
               "calendar_url": _calendar_url(request, day=appointment.start.astimezone(tz).date(), staff=resource)}
    if request.htmx and request.htmx.target == "move-times":
        return render(request, "web/calendar/_move_times.html", context)
    return render(request, "web/calendar/appointment.html", context)


def _history(request: HttpRequest, appointment: Appointment) -> list[dict]:
    """The state log, oldest first, each change with who made it (a member by name, else what kind of actor)."""
    rows = list(appointment.transitions.order_by("at", "pk"))
    user_ids = {r.actor_user_id for r in rows if r.actor_user_id}
    names = {m.user_id: str(m.user) for m in Membership.objects.for_organization(request.organization)
             .filter(user_id__in=user_ids).select_related("user")}
    kinds = dict(ActorKind.choices)
    return [{"at": r.at, "from": AppointmentState(r.from_state).label if r.from_state else "",
             "to": AppointmentState(r.to_state).label, "reason": r.reason,
             "by": names.get(r.actor_user_id) or kinds.get(r.actor_kind, "—")} for r in rows]


@require_POST
def appointment_move_view(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = get_for_member(request, Appointment, perm=Perm.BOOK_APPOINTMENTS, pk=appointment_id)
    tz = _tz(appointment.staff)
    start = parse_instant(request.POST.get("start", ""))
    detail_url = reverse("web:calendar_appointment", kwargs={"org_slug": request.organization.slug,
                                                             "appointment_id": appointment.pk})
    if start is None:
        messages.error(request, _("Choose a free time."))
        return redirect(detail_url)
    try:
        appointment = appointment_move(appointment=appointment, start=start, actor=actor_for_request(request))
    except SlotTaken as error:
        messages.error(request, str(error))
        return redirect(detail_url + "?" + urlencode({"day": start.astimezone(tz).date().isoformat()}))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(detail_url)
    messages.success(request, _("Appointment moved."))
    return redirect(_calendar_url(request, day=appointment.start.astimezone(tz).date(), staff=appointment.staff))


@require_POST
def appointment_state(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = get_for_member(request, Appointment, perm=Perm.BOOK_APPOINTMENTS, pk=appointment_id)
    tz = _tz(appointment.staff)
    to_state = request.POST.get("state", "")
    view = WEEK if request.POST.get("view") == WEEK else DAY
    back = _calendar_url(request, day=appointment.start.astimezone(tz).date(), staff=appointment.staff, view=view)
    if to_state not in ACTION_LABELS:
        messages.error(request, _("Choose what happens to the appointment."))
        return redirect(back)
    try:
        appointment_transition(appointment=appointment, to_state=to_state, actor=actor_for_request(request),
                               reason=request.POST.get("reason", "") if to_state == AppointmentState.CANCELLED
                               else "")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, {
            AppointmentState.CONFIRMED: _("Appointment confirmed."),
            AppointmentState.ARRIVED: _("The client has arrived."),
            AppointmentState.COMPLETED: _("Appointment marked completed."),
            AppointmentState.NO_SHOW: _("Appointment marked as a no-show."),
            AppointmentState.CANCELLED: _("Appointment cancelled."),
        }[to_state])
    return redirect(back)
