"""Per-staff iCalendar feeds: a secret, revocable address that calendar apps poll.

The feed shows the staff member's own appointments (service, client's name, time and place),
never wishes or sensitive entries. Creating a new address revokes the previous one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event

from booking.models import ACTIVE_STATES, Appointment, CalendarFeed, Resource
from privacy.audit import Actor, record
from privacy.models import AuditAction


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feed_create(*, resource: Resource, actor: Actor) -> tuple[CalendarFeed, str]:
    """A new secret address for the resource's feed; earlier addresses stop working."""
    CalendarFeed.objects.filter(resource=resource, revoked_at=None).update(revoked_at=timezone.now())
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(organization_id=resource.organization_id, resource=resource,
                                       token_hash=_hash(token))
    record(organization=resource.organization, actor=actor, action=AuditAction.GRANT, obj=feed)
    return feed, token


@transaction.atomic
def feed_revoke(*, resource: Resource, actor: Actor) -> int:
    revoked = CalendarFeed.objects.filter(resource=resource, revoked_at=None).update(revoked_at=timezone.now())
    if revoked:
        record(organization=resource.organization, actor=actor, action=AuditAction.REVOKE,
               object_type="booking.calendarfeed", object_id=str(resource.pk))
    return revoked


def feed_for_token(token: str) -> CalendarFeed | None:
    feed = (CalendarFeed.objects.select_related("resource__organization", "resource__membership")
            .filter(token_hash=_hash(token), revoked_at=None).first())
    if feed is None or (feed.resource.membership and not feed.resource.membership.is_active):
        return None
    return feed


def feed_ics(feed: CalendarFeed) -> bytes:
    """The calendar of the feed's resource from 30 days back to a year ahead."""
    now = timezone.now()
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    resource = feed.resource
    calendar = Calendar()
    calendar.add("prodid", "-//Tilli//Booking//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{resource.organization.name}: {resource.name}")
    appointments = (Appointment.objects.for_organization(resource.organization)
                    .filter(staff=resource, state__in=ACTIVE_STATES, start__gte=now - timedelta(days=30),
                            start__lte=now + timedelta(days=365))
                    .select_related("service", "client", "location").order_by("start"))
    for appointment in appointments:
        event = Event()
        event.add("uid", f"appointment-{appointment.pk}@tilli")
        event.add("dtstart", appointment.start)
        event.add("dtend", appointment.end)
        event.add("dtstamp", now)
        client = appointment.client.display_name if appointment.client_id else ""
        event.add("summary", f"{appointment.service.name}" + (f" – {client}" if client else ""))
        event.add("location", appointment.location.name)
        calendar.add_component(event)
    return calendar.to_ical()
