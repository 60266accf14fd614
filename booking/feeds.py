"""Per-staff iCalendar feeds: a secret, revocable address that calendar apps poll.

The feed shows the staff member's own appointments: time, place, service and, as the staff member
chooses (``Resource.feed_detail``), nothing, the first letter of the client's first name, or the name;
never contact details, wishes or sensitive entries. What it holds leaves for a third party's calendar
app, so it defaults to the initial, and the privacy notice states what the feeds in use show.
Creating a new address revokes the previous one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from booking.models import ACTIVE_STATES, Appointment, CalendarFeed, FeedDetail, Resource
from kernel.audit import Actor, record
from kernel.models import AuditAction


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


@transaction.atomic
def feed_detail_set(*, resource: Resource, detail: str, actor: Actor) -> Resource:
    """Choose how much of the client the resource's feed shows; applies to every address, new or old."""
    if detail not in FeedDetail.values:
        raise ValidationError({"detail": [_("Choose one of the options.")]})
    if resource.feed_detail != detail:
        resource.feed_detail = detail
        resource.save(update_fields=["feed_detail"])
        record(organization=resource.organization, actor=actor, action=AuditAction.UPDATE, obj=resource,
               changed_fields=["feed_detail"], detail={"feed_detail": detail})
    return resource


def feed_details_in_use(organization) -> list[str]:
    """The detail levels of the organization's working feeds (for the privacy notice), sorted."""
    return sorted(set(CalendarFeed.objects.filter(organization=organization, revoked_at=None,
                                                  resource__is_active=True)
                      .values_list("resource__feed_detail", flat=True)))


def event_summary(appointment: Appointment, detail: str) -> str:
    """The event's title: the service, and of the client only what ``detail`` allows."""
    client = appointment.client if appointment.client_id else None
    if client is None or detail == FeedDetail.SERVICE:
        return appointment.service.name
    if detail == FeedDetail.NAME:
        shown = client.display_name
    else:
        initial = (client.first_name or client.display_name).strip()[:1].upper()
        shown = f"{initial}." if initial else ""
    return f"{appointment.service.name} – {shown}" if shown else appointment.service.name


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
        event.add("summary", event_summary(appointment, resource.feed_detail))
        event.add("location", appointment.location.name)
        calendar.add_component(event)
    return calendar.to_ical()
