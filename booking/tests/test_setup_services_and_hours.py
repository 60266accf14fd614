"""Saving a service and a resource's weekly hours are services (booking.setup): one transaction, one audit row
naming what changed, and nothing of another organization or another resource can be touched through them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from booking.models import Service, WorkingHours
from booking.setup import service_save, working_hours_save
from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent
from tilli.test import make_bookable

ACTOR = Actor(kind="user", user_id=1, label="Owner", role="owner")
FIELDS = {"name": "Colour", "duration_minutes": 90, "price": Decimal("80.00")}


def _audits(world, obj) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(organization=world.org, object_type=obj._meta.label_lower,
                                          object_id=str(obj.pk)).order_by("seq"))


def test_a_new_service_is_saved_with_its_staff_and_one_create_row(world):
    _, resource, _ = make_bookable(world.org, world.practitioner)
    service = service_save(organization=world.org, actor=ACTOR, staff=[resource], **FIELDS)
    assert list(service.staff.all()) == [resource] and service.organization == world.org
    [audit] = _audits(world, service)
    assert audit.action == AuditAction.CREATE
    assert set(audit.changed_fields) >= {"name", "duration_minutes", "price", "staff"}


def test_a_change_names_only_what_differs_from_the_stored_row(world):
    _, resource, _ = make_bookable(world.org, world.practitioner)
    service = service_save(organization=world.org, actor=ACTOR, staff=[resource], **FIELDS)
    service.name = "Changed by a form, not saved"  # a form fills the instance in before the service reads it
    service_save(organization=world.org, actor=ACTOR, service=service, staff=[resource],
                 **{**FIELDS, "price": Decimal("85.00")})
    assert _audits(world, service)[-1].changed_fields == ["price"]
    assert Service.objects.get(pk=service.pk).price == Decimal("85.00")


def test_a_service_cannot_name_another_organizations_staff(world):
    _, theirs, _ = make_bookable(world.other_org, world.outsider)
    with pytest.raises(ValidationError) as refused:
        service_save(organization=world.org, actor=ACTOR, staff=[theirs], **FIELDS)
    assert "staff" in refused.value.message_dict
    assert not Service.objects.filter(organization=world.org, name="Colour").exists()


def test_weekly_hours_are_added_changed_and_deleted_in_one_audited_save(world):
    _, resource, _ = make_bookable(world.org, world.practitioner, weekdays=[0, 1])
    monday, tuesday = WorkingHours.objects.filter(resource=resource).order_by("weekday")
    changed = working_hours_save(
        organization=world.org, actor=ACTOR, resource=resource, delete=[tuesday.pk],
        rows=[{"id": monday.pk, "weekday": 0, "start_time": dt.time(8), "end_time": dt.time(16)},
              {"id": None, "weekday": 4, "start_time": dt.time(10), "end_time": dt.time(0)}])
    assert changed == 3
    assert sorted(WorkingHours.objects.filter(resource=resource).values_list("weekday", "start_time", "end_time")) == [
        (0, dt.time(8), dt.time(16)), (4, dt.time(10), dt.time(0))]
    [audit] = _audits(world, resource)
    assert audit.action == AuditAction.UPDATE and audit.changed_fields == ["working_hours"]


def test_hours_of_another_resource_or_organization_are_not_touched(world):
    _, mine, _ = make_bookable(world.org, world.practitioner, weekdays=[0])
    _, colleague, _ = make_bookable(world.org, world.reception, weekdays=[0])
    _, theirs, _ = make_bookable(world.other_org, world.outsider, weekdays=[0])
    others = list(WorkingHours.objects.exclude(resource=mine).order_by("pk").values())
    changed = working_hours_save(
        organization=world.org, actor=ACTOR, resource=mine,
        delete=[row["id"] for row in others],
        rows=[{"id": row["id"], "weekday": 3, "start_time": dt.time(1), "end_time": dt.time(2)} for row in others])
    assert changed == 0 and _audits(world, mine) == []
    assert list(WorkingHours.objects.exclude(resource=mine).order_by("pk").values()) == others
    assert {colleague.organization_id, theirs.organization_id} == {world.org.pk, world.other_org.pk}


def test_hours_the_database_refuses_leave_every_row_as_it_was(world):
    _, resource, _ = make_bookable(world.org, world.practitioner, weekdays=[0])
    before = list(WorkingHours.objects.filter(resource=resource).values())
    with pytest.raises(ValidationError):
        working_hours_save(organization=world.org, actor=ACTOR, resource=resource, rows=[
            {"id": None, "weekday": 2, "start_time": dt.time(9), "end_time": dt.time(12)},
            {"id": None, "weekday": 3, "start_time": dt.time(9), "end_time": dt.time(9)}])
    assert list(WorkingHours.objects.filter(resource=resource).values()) == before
    assert _audits(world, resource) == []
