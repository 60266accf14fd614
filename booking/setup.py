"""The organization's booking setup, written from the services and hours pages: rooms and devices, the
public holidays it opens on, who is bookable, and time off or extra hours. Each action is one transaction
with its audit row (the panel only presents)."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from booking.models import HolidayOpening, HoursException, Location, Resource, ResourceKind
from kernel.audit import Actor, record
from kernel.models import AuditAction
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


@transaction.atomic
def hours_exception_add(*, organization: Organization, actor: Actor, resource: Resource, kind: str,
                        start: datetime, end: datetime) -> HoursException:
    """Time off or extra hours for one resource."""
    row = HoursException.objects.create(organization=organization, resource=resource, kind=kind, start=start,
                                        end=end)
    record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=row)
    return row


@transaction.atomic
def hours_exception_remove(*, organization: Organization, actor: Actor, resource: Resource,
                           exception_id: int) -> bool:
    """Remove one of the resource's exceptions; returns whether there was one to remove."""
    row = HoursException.objects.for_organization(organization).filter(resource=resource, pk=exception_id).first()
    if row is None:
        return False
    record(organization=organization, actor=actor, action=AuditAction.DELETE, obj=row)
    row.delete()
    return True
