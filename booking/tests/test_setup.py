"""The services page's writes are services: each one transaction with its audit row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from booking.models import HolidayOpening, HoursException, Resource, ResourceKind, TimeOffKind
from booking.setup import (
    holiday_opening_toggle,
    hours_exception_add,
    hours_exception_remove,
    room_add,
    staff_make_bookable,
)
from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent

ACTOR = Actor(kind="user", user_id=1, label="Owner", role="owner")
MIDSUMMER = dt.date(2031, 6, 21)


def _audited(world, object_type: str) -> int:
    return AuditEvent.objects.filter(organization=world.org, object_type=object_type).count()


def test_opening_and_closing_a_holiday_each_write_one_audit_row(world):
    assert holiday_opening_toggle(organization=world.org, actor=ACTOR, day=MIDSUMMER) is True
    assert HolidayOpening.objects.filter(organization=world.org, date=MIDSUMMER).exists()

    assert holiday_opening_toggle(organization=world.org, actor=ACTOR, day=MIDSUMMER) is False
    assert not HolidayOpening.objects.filter(organization=world.org, date=MIDSUMMER).exists()
    assert _audited(world, "booking.holidayopening") == 2


def test_a_rolled_back_opening_leaves_no_audit_row(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        holiday_opening_toggle(organization=world.org, actor=ACTOR, day=MIDSUMMER)
        raise RuntimeError

    assert not HolidayOpening.objects.filter(organization=world.org).exists()
    assert _audited(world, "booking.holidayopening") == 0


def test_a_room_is_added_at_the_first_location_with_its_audit_row(world):
    room = room_add(organization=world.org, actor=ACTOR, kind=ResourceKind.ROOM, name="Room 2")

    assert room.location.organization == world.org
    assert AuditEvent.objects.filter(organization=world.org, action=AuditAction.CREATE, object_type="booking.resource",
                                     object_id=str(room.pk)).count() == 1


def test_making_a_member_bookable_twice_gives_one_resource_and_one_audit_row(world):
    first = staff_make_bookable(organization=world.org, actor=ACTOR, membership=world.practitioner)
    again = staff_make_bookable(organization=world.org, actor=ACTOR, membership=world.practitioner)

    assert first.pk == again.pk and first.kind == ResourceKind.STAFF
    assert Resource.objects.filter(membership=world.practitioner).count() == 1
    assert AuditEvent.objects.filter(organization=world.org, object_type="booking.resource",
                                     object_id=str(first.pk)).count() == 1


def test_time_off_is_added_and_removed_with_an_audit_row_each(world):
    resource = staff_make_bookable(organization=world.org, actor=ACTOR, membership=world.practitioner)
    start = dt.datetime(2031, 6, 22, 8, tzinfo=dt.UTC)
    row = hours_exception_add(organization=world.org, actor=ACTOR, resource=resource, kind=TimeOffKind.TIME_OFF,
                              start=start, end=start + dt.timedelta(hours=8))

    assert hours_exception_remove(organization=world.org, actor=ACTOR, resource=resource, exception_id=row.pk)
    assert not hours_exception_remove(organization=world.org, actor=ACTOR, resource=resource, exception_id=row.pk)
    assert list(AuditEvent.objects.filter(organization=world.org, object_type="booking.hoursexception")
                .values_list("action", flat=True).order_by("seq")) == [AuditAction.CREATE, AuditAction.DELETE]


def test_another_organizations_time_off_cannot_be_removed(world):
    resource = staff_make_bookable(organization=world.org, actor=ACTOR, membership=world.practitioner)
    start = dt.datetime(2031, 6, 22, 8, tzinfo=dt.UTC)
    row = hours_exception_add(organization=world.org, actor=ACTOR, resource=resource, kind=TimeOffKind.TIME_OFF,
                              start=start, end=start + dt.timedelta(hours=8))

    assert not hours_exception_remove(organization=world.other_org, actor=ACTOR, resource=resource,
                                      exception_id=row.pk)
    assert HoursException.objects.filter(pk=row.pk).exists()
