"""Emails to the client about an online booking: the confirmation (with an .ics calendar
entry and a signed link to manage the booking), a move, and a cancellation.

The manage link carries only the organization and the appointment, signed with the
secret key and a salt of its own; it needs no database token and names no person.
"""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from booking.models import Appointment, AppointmentState
from booking.services import cancellation_deadline
from tilli.lib.mail import send_safely

MANAGE_SALT = "tilli.booking.manage"
CONFIRMED, MOVED, CANCELLED = "confirmed", "moved", "cancelled"


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


def send_appointment_email(appointment_id: int, kind: str = CONFIRMED) -> bool:
    """Email the client about their appointment, in their language or else the organization's."""
    appointment = (Appointment.objects.select_related("organization", "client", "service", "staff", "location")
                   .get(pk=appointment_id))
    client, organization = appointment.client, appointment.organization
    if client is None or not client.email:
        return False
    language = client.preferred_language or organization.default_language
    zone = ZoneInfo(appointment.location.time_zone or organization.time_zone)
    with translation.override(language), timezone.override(zone):
        context = {"appointment": appointment, "organization": organization, "client": client, "kind": kind,
                   "manage_url": manage_url(appointment), "deadline": cancellation_deadline(appointment),
                   "changeable": timezone.now() < cancellation_deadline(appointment),
                   "time_zone": str(zone)}
        body = render_to_string("booking/email/appointment.txt", context)
        subject = {
            CONFIRMED: _("Your booking at %(organization)s is confirmed"),
            MOVED: _("Your booking at %(organization)s was moved"),
            CANCELLED: _("Your booking at %(organization)s was cancelled"),
        }[kind] % {"organization": organization.name}
        message = EmailMessage(subject=subject, body=body, to=[client.email])
        message.attach("booking.ics", appointment_ics(appointment), "text/calendar")
        return send_safely(message, purpose=f"booking {kind}")
