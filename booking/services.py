"""Booking, moving and changing the state of appointments: check and write in one transaction.

The availability check here is a courtesy that gives a clear answer; the guarantee is the
database's: an overlapping occupancy is refused (exclusion constraint or trigger), and that
refusal becomes `SlotTaken` ("this time was just taken"), HTTP 409 in the API.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.availability import subtract_spans, to_micros
from booking.errors import BookingError, SlotTaken
from booking.events import STATE_EVENTS, AppointmentBooked, AppointmentHeld, AppointmentMoved, about
from booking.models import (
    ACTIVE_STATES,
    ALLOWED_TRANSITIONS,
    Appointment,
    AppointmentState,
    AppointmentTransition,
    Channel,
    Occupancy,
    Resource,
    Service,
)
from booking.selectors import Resources, free_slots
from clients.models import Client
from clients.services import ensure_not_restricted
from kernel.audit import Actor, record
from kernel.events import publish
from kernel.models import AuditAction
from tilli.errors import Conflict, Invalid
from tilli.lib.dates import check_instant
from tilli.lib.text import validate_clean_text


def _occupancies(appointment: Appointment, service: Service, required: list[int]) -> list[Occupancy]:
    span_start = appointment.start - timedelta(minutes=service.buffer_before_minutes)
    span_end = appointment.end + timedelta(minutes=service.buffer_after_minutes)
    return [Occupancy(organization_id=appointment.organization_id, appointment=appointment, resource_id=pk,
                      start=span_start, end=span_end) for pk in [appointment.staff_id, *required]]


def _lock_resources(service: Service, staff: Resource | None, *extra: Resource) -> Resources:
    """Lock every resource this booking could occupy, in primary-key order, inside the transaction, and
    return the service's `Resources` as read under that lock: the qualified staff (only `staff`, when one
    is chosen) with their time zones, and the active resources the service needs. One round trip for the
    lock and the read, and then the availability re-check and the occupancies use the same rows.

    PostgreSQL's exclusion constraint alone would let two overlapping inserts wait on each other
    and end in a deadlock; taking the row locks first, always in the same order, queues them
    instead, so the second sees the first's booking and gets a clean SlotTaken. (SQLite's
    IMMEDIATE transactions already serialize writers; there this is a no-op.) Only active required
    resources are occupied, so only they need the lock; the locations are read, not locked.
    """
    through = Service.required_resources.through.objects
    needs = through.filter(service_id=service.pk, resource_id=OuterRef("pk"))
    qualified = Service.staff.through.objects.filter(service_id=service.pk, resource_id=OuterRef("pk"))
    people = Q(pk__in={r.pk for r in extra} | ({staff.pk} if staff is not None else set()))
    if staff is None:
        people |= Q(pk__in=service.staff.values("pk"))
    rows = Resource.objects.select_for_update(of=("self",)).filter(people | Q(Exists(needs), is_active=True)).annotate(
        needed=Exists(needs), qualified=Exists(qualified), zone=F("location__time_zone")).order_by("pk").values_list(
        "pk", "needed", "qualified", "is_active", "organization_id", "zone")
    staff_zones, needed = {}, []
    for pk, need, is_qualified, active, organization_id, zone in rows:
        if need and active:
            needed.append(pk)
        if (is_qualified and active and organization_id == service.organization_id
                and (staff is None or pk == staff.pk)):
            staff_zones[pk] = ZoneInfo(zone)
    return Resources(staff_zones, needed)


def _log(appointment: Appointment, from_state: str, to_state: str, actor: Actor, reason: str = "") -> None:
    AppointmentTransition.objects.create(organization_id=appointment.organization_id, appointment=appointment,
                                         from_state=from_state, to_state=to_state, actor_kind=actor.kind,
                                         actor_user_id=actor.user_id, reason=reason)


def _audit(appointment: Appointment, actor: Actor, action: str, changed_fields=(), detail=None) -> None:
    record(organization=appointment.organization, actor=actor, action=action, obj=appointment,
           subject_ref=appointment.client.subject_ref if appointment.client_id else None,
           changed_fields=changed_fields, detail=detail)


def appointment_book(*, service: Service, start: datetime, client: Client | None, channel: str, actor: Actor,
                     staff: Resource | None = None, wishes: str = "", now: datetime | None = None,
                     hold_until: datetime | None = None) -> Appointment:
    """Book `service` at `start` with `staff` (or anyone qualified who is free then).

    Online bookings respect the service's notice and advance limits; every booking respects
    working hours, time off, holidays, buffers and the resources the service needs. With `hold_until`
    the time is only held, awaiting an online payment (PENDING, booking.holds): its occupancies are active
    like a booking's, and no confirmation goes out until the payment arrives.
    """
    if client is not None and client.organization_id != service.organization_id:
        raise ValidationError(_("Choose a client of this organization."))
    if channel == Channel.ONLINE and actor.is_staff:  # online is the client's own booking, never staff's claim
        raise ValidationError({"channel": [_("Online bookings are made by clients on the booking page. "
                                             "Choose how the booking reached you.")]})
    if client is not None:
        ensure_not_restricted(client)
    check_instant(start)  # aware, and within the days the calendar arithmetic can take
    validate_clean_text(wishes)
    local_day = start.astimezone(timezone.get_fixed_timezone(0)).date()
    try:
        with transaction.atomic():
            resources = _lock_resources(service, staff)
            slots = free_slots(service, local_day - timedelta(days=1), local_day + timedelta(days=1), staff=staff,
                               now=now, apply_limits=channel == Channel.ONLINE,
                               at=None if channel == Channel.ONLINE else start, resources=resources)
            staff_ids = [s.staff_id for s in slots if s.start == start]
            if not staff_ids:
                raise SlotTaken
            chosen = staff if staff is not None and staff.pk == staff_ids[0] else Resource.objects.get(pk=staff_ids[0])
            appointment = Appointment.objects.create(
                organization=service.organization, client=client, service=service, staff=chosen,
                location_id=chosen.location_id, start=start, end=start + timedelta(minutes=service.duration_minutes),
                channel=channel, wishes=wishes, created_by_user_id=actor.user_id,
                state=AppointmentState.PENDING if hold_until else AppointmentState.BOOKED, hold_until=hold_until)
            Occupancy.objects.bulk_create(_occupancies(appointment, service, resources.needed))
            _log(appointment, "", appointment.state, actor)
            _audit(appointment, actor, AuditAction.CREATE, ["start", "service", "staff"], {"channel": channel})
            publish(about(appointment, AppointmentHeld if hold_until else AppointmentBooked, channel=channel))
    except IntegrityError:
        raise SlotTaken from None
    return appointment


def _with_length(service: Service, minutes: int) -> Service:
    """The service as the availability engine should see it for an appointment `minutes` long.

    A copy, never saved: an appointment whose length was changed in the calendar keeps that
    length when it moves, and a new length is checked like a booking of that length.
    """
    if minutes == service.duration_minutes:
        return service
    shadow = copy.copy(service)
    shadow.duration_minutes = minutes
    return shadow


def _refusal(service: Service, staff: Resource, start: datetime, end: datetime) -> SlotTaken:
    """Why `staff` cannot take `service` from `start` to `end`: the reason the calendar shows."""
    from booking.calendar import working_by_resource
    from booking.selectors import closed_days

    if not service.staff.filter(pk=staff.pk, is_active=True).exists():
        return SlotTaken(BookingError.NOT_QUALIFIED)
    tz = ZoneInfo(staff.location.time_zone)
    first, last = start.astimezone(tz).date() - timedelta(days=1), end.astimezone(tz).date()
    closed = closed_days(service.organization, first, last)
    working, off = working_by_resource(service.organization, [staff.pk], tz, first, last, closed)
    needed = (to_micros(start - timedelta(minutes=service.buffer_before_minutes)),
              to_micros(end + timedelta(minutes=service.buffer_after_minutes)))
    if subtract_spans([needed], subtract_spans(working[staff.pk], off.get(staff.pk, []))):
        return SlotTaken(BookingError.NOT_WORKING)
    return SlotTaken(BookingError.SLOT_TAKEN)


def appointment_book_new_client(*, service: Service, start: datetime, client_data: dict, channel: str, actor: Actor,
                                 staff: Resource | None = None, wishes: str = "") -> Appointment:
    """Create the caller as a client and book them, all or nothing: a taken time creates no client."""
    from clients.services import client_create

    with transaction.atomic():
        client = client_create(organization=service.organization, actor=actor, **client_data)
        return appointment_book(service=service, start=start, client=client, channel=channel, actor=actor,
                                staff=staff, wishes=wishes)


def appointment_move(*, appointment: Appointment, start: datetime, actor: Actor, staff: Resource | None = None,
                     now: datetime | None = None) -> Appointment:
    """Reschedule to a new start (and optionally another staff member), keeping its length, or raise SlotTaken."""
    if appointment.state not in (AppointmentState.BOOKED, AppointmentState.CONFIRMED):
        raise Conflict(BookingError.WRONG_STATE, _("Only a booked or confirmed appointment can be moved."))
    check_instant(start)
    length = appointment.end - appointment.start
    service = _with_length(appointment.service, int(length.total_seconds() // 60))
    local_day = start.astimezone(timezone.get_fixed_timezone(0)).date()
    try:
        with transaction.atomic():
            resources = _lock_resources(service, staff or appointment.staff, appointment.staff)
            slots = free_slots(service, local_day - timedelta(days=1), local_day + timedelta(days=1),
                               staff=staff or appointment.staff, now=now,
                               apply_limits=appointment.channel == Channel.ONLINE and actor.kind == "client",
                               ignore_appointment_id=appointment.pk, at=None if actor.kind == "client" else start,
                               resources=resources)
            if not any(s.start == start for s in slots):
                raise _refusal(service, staff or appointment.staff, start, start + length)
            appointment.occupancies.all().delete()
            appointment.start, appointment.end = start, start + length
            if staff is not None:
                appointment.staff, appointment.location_id = staff, staff.location_id
            appointment.revision += 1
            appointment.save(update_fields=["start", "end", "staff", "location", "revision"])
            Occupancy.objects.bulk_create(_occupancies(appointment, service, resources.needed))
            _audit(appointment, actor, AuditAction.UPDATE, ["start", "end"] + (["staff"] if staff else []))
            publish(about(appointment, AppointmentMoved))
    except IntegrityError:
        raise SlotTaken from None
    return appointment


MAX_LENGTH_MINUTES = 12 * 60


def appointment_resize(*, appointment: Appointment, end: datetime, actor: Actor) -> Appointment:
    """Change an appointment's length (its end), where its service allows it, or raise SlotTaken.

    The new length is checked like a booking of that length at the same start: working hours,
    time off, buffers and the resources the service needs; the database refuses an overlap.
    """
    if appointment.state not in (AppointmentState.BOOKED, AppointmentState.CONFIRMED):
        raise Conflict(BookingError.WRONG_STATE, _("Only a booked or confirmed appointment can be changed."))
    if not appointment.service.length_adjustable:
        raise Invalid(BookingError.LENGTH_FIXED, _("The length of this service is fixed."))
    if end.tzinfo is None:
        raise ValidationError(_("The time must include its time zone."))
    minutes = (end - appointment.start).total_seconds() / 60
    if minutes != int(minutes) or int(minutes) % 5 or not 5 <= minutes <= MAX_LENGTH_MINUTES:
        raise ValidationError(_("Choose a length of 5 minutes to 12 hours, in steps of 5 minutes."))
    service = _with_length(appointment.service, int(minutes))
    local_day = appointment.start.astimezone(timezone.get_fixed_timezone(0)).date()
    try:
        with transaction.atomic():
            resources = _lock_resources(service, appointment.staff)
            slots = free_slots(service, local_day - timedelta(days=1), local_day + timedelta(days=1),
                               staff=appointment.staff, apply_limits=False, ignore_appointment_id=appointment.pk,
                               at=appointment.start, resources=resources)
            if not any(s.start == appointment.start for s in slots):
                raise _refusal(service, appointment.staff, appointment.start, end)
            appointment.occupancies.all().delete()
            appointment.end = end
            appointment.revision += 1
            appointment.save(update_fields=["end", "revision"])
            Occupancy.objects.bulk_create(_occupancies(appointment, service, resources.needed))
            _audit(appointment, actor, AuditAction.UPDATE, ["end"])
            publish(about(appointment, AppointmentMoved))
    except IntegrityError:
        raise SlotTaken from None
    return appointment


@transaction.atomic
def appointment_transition(*, appointment: Appointment, to_state: str, actor: Actor, reason: str = "") -> Appointment:
    """Move along the state machine; cancelling or a no-show frees the time for others.

    `reason` (a cancellation's, say) is kept in the state log for staff; it is not sent to the client.
    """
    reason = reason.strip()
    if len(reason) > 300:
        raise ValidationError({"reason": [_("Write the reason in at most 300 characters.")]})
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if to_state not in ALLOWED_TRANSITIONS[locked.state]:
        raise Conflict(BookingError.WRONG_STATE, _("An appointment that is %(state)s cannot become %(new)s.") % {
            "state": locked.get_state_display().lower(), "new": AppointmentState(to_state).label.lower()})
    from_state, locked.state = locked.state, to_state
    locked.revision += 1
    locked.save(update_fields=["state", "revision"])
    if to_state not in ACTIVE_STATES:
        Occupancy.objects.filter(appointment=locked).update(active=False)
    _log(locked, from_state, to_state, actor, reason)
    _audit(locked, actor, AuditAction.UPDATE, ["state"], {"state": to_state})
    publish(about(locked, STATE_EVENTS[to_state]))
    return locked


def cancellation_deadline(appointment: Appointment) -> datetime:
    return appointment.start - timedelta(hours=appointment.service.cancellation_hours)
