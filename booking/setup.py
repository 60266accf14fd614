"""The organization's booking setup, written from the services page: rooms and devices, and the public
holidays it opens on. Each action is one transaction with its audit row (the panel only presents)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from booking.models import HolidayOpening, Location, Resource, ResourceKind
from privacy.audit import Actor, record
from privacy.models import AuditAction
from tenancy.models import Membership, Organization


def default_location(organization: Organization) -> Location:
    """The organization's first active location; one named after the organization is created if it has none."""
    return Location.objects.for_organization(organization).filter(is_active=True).first() or Location.objects.create(
        organization=organization, name=organization.name, time_zone=organization.time_zone)


@transaction.atomic
def room_add(*, organization: Organization, actor: Actor, kind: str, name: str) -> Resource:
    """A room or device at the organization's first location."""
    room = Resource.objects.create(organization=organization, location=default_location(organization), kind=kind,
                                   name=name)
    record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=room)
    return room


@transaction.atomic
def holiday_opening_toggle(*, organization: Organization, actor: Actor, day: date) -> bool:
    """Open on the public holiday `day` if closed, else close again; returns whether it is now open."""
    opening = HolidayOpening.objects.for_organization(organization).filter(date=day)
    now_open = not opening.exists()
    if now_open:
        HolidayOpening.objects.create(organization=organization, date=day)
    else:
        opening.delete()
    record(organization=organization, actor=actor, action=AuditAction.UPDATE,
           object_type="booking.holidayopening", object_id=day.isoformat())
    return now_open


@transaction.atomic
def staff_make_bookable(*, organization: Organization, actor: Actor, membership: Membership) -> Resource:
    """The member's bookable resource at the organization's first location (created, and audited, once)."""
    resource, created = Resource.objects.get_or_create(
        organization=organization, membership=membership,
        defaults={"kind": ResourceKind.STAFF, "name": str(membership.user), "location": default_location(organization)})
    if created:
        record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=resource)
    return resource
