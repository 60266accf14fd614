"""What booking publishes (kernel.events): each appointment change, in the transaction that made it.

Ids and codes only; a subscriber reads the appointment for anything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from kernel.events import Event


@dataclass(frozen=True, kw_only=True)
class AppointmentEvent(Event):
    appointment_id: int
    client_id: int | None
    revision: int  # the appointment's revision after the change (the .ics SEQUENCE)


@dataclass(frozen=True, kw_only=True)
class AppointmentBooked(AppointmentEvent):
    name = "booking.appointment_booked"
    channel: str


@dataclass(frozen=True, kw_only=True)
class AppointmentHeld(AppointmentEvent):
    """Booked online under a payment policy: the time is held until `hold_until`, awaiting the payment (no
    confirmation goes out yet; AppointmentBooked follows when the payment arrives)."""

    name = "booking.appointment_held"
    channel: str


@dataclass(frozen=True, kw_only=True)
class AppointmentMoved(AppointmentEvent):
    """A new start, staff member or length."""

    name = "booking.appointment_moved"


@dataclass(frozen=True, kw_only=True)
class AppointmentConfirmed(AppointmentEvent):
    name = "booking.appointment_confirmed"


@dataclass(frozen=True, kw_only=True)
class AppointmentArrived(AppointmentEvent):
    name = "booking.appointment_arrived"


@dataclass(frozen=True, kw_only=True)
class AppointmentCompleted(AppointmentEvent):
    name = "booking.appointment_completed"


@dataclass(frozen=True, kw_only=True)
class AppointmentCancelled(AppointmentEvent):
    name = "booking.appointment_cancelled"


@dataclass(frozen=True, kw_only=True)
class AppointmentNoShow(AppointmentEvent):
    name = "booking.appointment_no_show"


STATE_EVENTS: dict[str, type[AppointmentEvent]] = {
    "confirmed": AppointmentConfirmed,
    "arrived": AppointmentArrived,
    "completed": AppointmentCompleted,
    "cancelled": AppointmentCancelled,
    "no_show": AppointmentNoShow,
}


def about(appointment, event_type: type[AppointmentEvent], **extra) -> AppointmentEvent:
    return event_type(organization_id=appointment.organization_id, appointment_id=appointment.pk,
                      client_id=appointment.client_id, revision=appointment.revision, **extra)
