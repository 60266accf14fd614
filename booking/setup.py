"""The organization's booking setup, written from the services and hours pages: services, rooms and devices,
the public holidays it opens on, who is bookable, weekly hours, and time off or extra hours. Each action is
one transaction with its audit row (the panel only presents)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from booking.models import (
    HolidayOpening,
    HoursException,
    Location,
    Resource,
    ResourceKind,
    Service,
    WorkingHours,
)
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


def _resources_of(organization: Organization, resources: Iterable[Resource], field: str) -> set[int]:
    """The resources' ids, refusing any of another organization (the form offers none; the service makes sure)."""
    ids = {resource.pk for resource in resources}
    if Resource.objects.filter(pk__in=ids).exclude(organization=organization).exists():
        raise ValidationError({field: [_("Choose from this organization's staff, rooms and devices.")]})
    return ids


@transaction.atomic
def service_save(*, organization: Organization, actor: Actor, service: Service | None = None,
                 staff: Iterable[Resource] = (), required_resources: Iterable[Resource] = (),
                 **values: Any) -> Service:
    """Create a service (`service` None) or change one to `values`; the audit row names what differs.

    The row is read again under a lock, so what is compared is what is stored, not an instance a form has
    already filled in."""
    staff_ids = _resources_of(organization, staff, "staff")
    resource_ids = _resources_of(organization, required_resources, "required_resources")
    if service is None:
        row, before, before_staff, before_resources = Service(organization=organization), None, set(), set()
    else:
        row = Service.objects.for_organization(organization).select_for_update().get(pk=service.pk)
        before = {name: getattr(row, name) for name in values}
        before_staff = set(row.staff.values_list("pk", flat=True))
        before_resources = set(row.required_resources.values_list("pk", flat=True))
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean(exclude=["staff", "required_resources"])
    row.save()
    row.staff.set(staff_ids)
    row.required_resources.set(resource_ids)
    changed = [name for name, value in values.items()
               if (before is None and value not in ("", None)) or (before is not None and before[name] != value)]
    changed += [name for name, now, then in (("staff", staff_ids, before_staff),
                                              ("required_resources", resource_ids, before_resources)) if now != then]
    record(organization=organization, actor=actor, action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
           obj=row, changed_fields=changed)
    return row


@transaction.atomic
def working_hours_save(*, organization: Organization, actor: Actor, resource: Resource,
                       rows: Iterable[dict[str, Any]] = (), delete: Iterable[int] = ()) -> int:
    """Save one resource's weekly hours as the owner edited them: each of `rows` holds the hours' fields and
    `id` (None for a new row); `delete` are ids to remove. Ids of another resource are not touched.
    Returns how many rows changed; one audit row on the resource names the change."""
    own = WorkingHours.objects.for_organization(organization).filter(resource=resource)
    changed = 0
    for values in rows:
        values = dict(values)
        pk = values.pop("id", None)
        row = (own.select_for_update().filter(pk=pk).first() if pk else
               WorkingHours(organization=organization, resource=resource, location_id=resource.location_id))
        if row is None:
            continue
        for name, value in values.items():
            setattr(row, name, value)
        row.full_clean()
        row.save()
        changed += 1
    removed, _counts = own.filter(pk__in=list(delete)).delete()
    changed += removed
    if changed:
        record(organization=organization, actor=actor, action=AuditAction.UPDATE, obj=resource,
               changed_fields=["working_hours"])
    return changed
