"""What messages about an appointment carry: the signed link to manage it and its .ics entry.
(The messages themselves are written and sent by the notify app's outbox.)

The manage link carries only the organization and the appointment, signed with the
secret key and a salt of its own; it needs no database token and names no person.
"""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from booking.models import Appointment, AppointmentState

MANAGE_SALT = "tilli.booking.manage"


def manage_token(appointment: Appointment) -> str:
    return signing.dumps({"o": appointment.organization_id, "a": appointment.pk}, salt=MANAGE_SALT)


def appointment_id_from_token(token: str, organization_id: int) -> int | None:
    """The appointment a manage link stands for, or None if it is tampered or of another organization."""
    try:
        data = signing.loads(token, salt=MANAGE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("o") != organization_id or not isinstance(data.get("a"), int):
        return None
    return data["a"]


def manage_url(appointment: Appointment) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "public_booking:manage", args=[appointment.organization.slug, manage_token(appointment)])


def ics_uid(appointment: Appointment) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "tilli"
    return f"appointment-{appointment.organization_id}-{appointment.pk}@{host}"


def appointment_ics(appointment: Appointment) -> bytes:
    """One VEVENT in UTC; the UID stays the same for the appointment's whole life."""
    from icalendar import Calendar, Event, vText

    calendar = Calendar()
    calendar.add("prodid", "-//Tilli//Booking//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if appointment.state == AppointmentState.CANCELLED else "PUBLISH")
    event = Event()
    event.add("uid", ics_uid(appointment))
    event.add("sequence", appointment.revision)  # calendar apps replace the event when this grows
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", appointment.start.astimezone(UTC))
    event.add("dtend", appointment.end.astimezone(UTC))
    event.add("summary", f"{appointment.service.name} · {appointment.organization.name}")
    place = ", ".join(p for p in (appointment.location.name, appointment.location.address) if p)
    if place:
        event["location"] = vText(place)
    event.add("status", "CANCELLED" if appointment.state == AppointmentState.CANCELLED else "CONFIRMED")
    event.add("url", manage_url(appointment))
    calendar.add_component(event)
    return calendar.to_ical()
