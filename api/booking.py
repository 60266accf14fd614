"""/api/v1: services, availability and appointments (a taken time or a wrong state answers 409, api.errors)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from api.auth import require
from api.errors import ApiError, ErrorOut
from api.types import Day, Id, Moment
from booking.models import Appointment, AppointmentState, Channel, Resource, Service
from booking.selectors import free_slots
from booking.services import appointment_book, appointment_move, appointment_transition
from clients.models import Client
from kernel.audit import actor_for_request
from kernel.models import ActorKind
from tenancy.access import get_for_member, scoped
from tenancy.roles import Perm

router = Router(tags=["booking"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MAX_DAYS = 62


class ServiceOut(Schema):
    id: int
    name: str
    duration_minutes: int
    price: Decimal
    currency: str
    vat_rate: Decimal
    online_bookable: bool
    staff_ids: list[int]

    @staticmethod
    def resolve_staff_ids(obj: Service) -> list[int]:
        return [r.pk for r in obj.staff.all()]


class SlotOut(Schema):
    start: datetime
    staff_id: int


class AppointmentIn(Schema):
    service_id: Id
    start: Moment
    staff_id: Id | None = None
    client_id: Id | None = None
    channel: Channel = Field(Channel.STAFF, description="How the booking reached you: staff, phone or walk_in. "
                                                        "`online` is refused (422): only the public booking page "
                                                        "makes online bookings.")
    wishes: str = ""


class AppointmentOut(Schema):
    id: int
    service_id: int
    staff_id: int
    client_id: int | None
    start: datetime
    end: datetime
    state: str
    channel: str


class MoveIn(Schema):
    start: Moment
    staff_id: Id | None = None


def _actor(request):
    return actor_for_request(request, kind=ActorKind.API)


@router.get("/services", response={200: list[ServiceOut], **ERRORS})
def services_list(request: HttpRequest):
    require(request, Perm.USE_API)
    return scoped(request, Service).filter(is_active=True).prefetch_related("staff").order_by("name")


@router.get("/availability", response={200: list[SlotOut], **ERRORS})
def availability(request: HttpRequest, service: Id, start: Day, end: Day, staff: Id | None = None):
    """Free start times (UTC) for a service between two dates (inclusive), for one staff member or anyone."""
    require(request, Perm.VIEW_CALENDAR)
    if end < start or end - start > timedelta(days=MAX_DAYS):
        raise ApiError(422, "invalid", _("Choose at most %(days)d days, the end not before the start.")
                       % {"days": MAX_DAYS})
    chosen = get_for_member(request, Service, perm=Perm.VIEW_CALENDAR, pk=service)
    resource = get_for_member(request, Resource, perm=Perm.VIEW_CALENDAR, pk=staff) if staff else None
    return _slots_response(free_slots(chosen, start, end, staff=resource, apply_limits=False))


def _slots_response(slots: list) -> HttpResponse:
    """The slots as SlotOut would render them, written directly: a week of ten staff is thousands of
    slots, and validating each through the schema cost more than finding them. Slots sharing a start
    share its datetime (sorted by start), so each start is formatted once."""
    rows, last, text = [], None, ""
    for moment, staff_id in slots:
        if moment is not last:
            last, text = moment, DjangoJSONEncoder().default(moment)
        rows.append({"start": text, "staff_id": staff_id})
    return HttpResponse(json.dumps(rows, separators=(",", ":")), content_type="application/json; charset=utf-8")


@router.post("/appointments", response={201: AppointmentOut, **ERRORS})
def appointments_create(request: HttpRequest, payload: AppointmentIn):
    require(request, Perm.BOOK_APPOINTMENTS)
    service = get_for_member(request, Service, perm=Perm.BOOK_APPOINTMENTS, pk=payload.service_id)
    staff = get_for_member(request, Resource, perm=Perm.BOOK_APPOINTMENTS, pk=payload.staff_id) \
        if payload.staff_id else None
    client = get_for_member(request, Client, perm=Perm.BOOK_APPOINTMENTS, pk=payload.client_id) \
        if payload.client_id else None
    appointment = appointment_book(service=service, start=payload.start, client=client, staff=staff,
                                   channel=payload.channel, wishes=payload.wishes, actor=_actor(request))
    return Status(201, appointment)


@router.get("/appointments/{appointment_id}", response={200: AppointmentOut, **ERRORS})
def appointments_read(request: HttpRequest, appointment_id: int):
    return get_for_member(request, Appointment, perm=Perm.VIEW_CALENDAR, actor_kind=ActorKind.API,
                          pk=appointment_id)


@router.post("/appointments/{appointment_id}/cancel", response={200: AppointmentOut, **ERRORS})
def appointments_cancel(request: HttpRequest, appointment_id: int):
    appointment = get_for_member(request, Appointment, perm=Perm.BOOK_APPOINTMENTS, pk=appointment_id)
    return appointment_transition(appointment=appointment, to_state=AppointmentState.CANCELLED, actor=_actor(request))


@router.post("/appointments/{appointment_id}/reschedule", response={200: AppointmentOut, **ERRORS})
def appointments_reschedule(request: HttpRequest, appointment_id: int, payload: MoveIn):
    appointment = get_for_member(request, Appointment, perm=Perm.BOOK_APPOINTMENTS, pk=appointment_id)
    staff = get_for_member(request, Resource, perm=Perm.BOOK_APPOINTMENTS, pk=payload.staff_id) \
        if payload.staff_id else None
    return appointment_move(appointment=appointment, start=payload.start, staff=staff, actor=_actor(request))
