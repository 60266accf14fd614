"""Defining an organization's own client field is a service: one row, one audit row, a clear refusal of a
key in use (the database constraint decides, so no check-then-insert race)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from clients.custom_fields import custom_field_add
from clients.models import CustomField
from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent

ACTOR = Actor(kind="user", user_id=1, label="Owner", role="owner")
VIDEO = {"label": "Video call", "key": "video", "field_type": "text", "is_active": True}


def test_a_field_is_defined_with_one_audit_row(world):
    definition = custom_field_add(organization=world.org, actor=ACTOR, **VIDEO)

    assert CustomField.objects.get(organization=world.org).pk == definition.pk
    assert AuditEvent.objects.filter(organization=world.org, action=AuditAction.CREATE,
                                     object_type="clients.customfield", object_id=str(definition.pk)).count() == 1


def test_a_key_in_use_is_refused_on_the_key_and_nothing_is_written(world):
    custom_field_add(organization=world.org, actor=ACTOR, **VIDEO)

    with pytest.raises(ValidationError) as refused:
        custom_field_add(organization=world.org, actor=ACTOR, **{**VIDEO, "label": "Another"})

    assert list(refused.value.error_dict) == ["key"]
    assert CustomField.objects.filter(organization=world.org).count() == 1
    assert AuditEvent.objects.filter(organization=world.org, object_type="clients.customfield").count() == 1


def test_another_organization_may_use_the_same_key(world):
    custom_field_add(organization=world.org, actor=ACTOR, **VIDEO)
    custom_field_add(organization=world.other_org, actor=ACTOR, **VIDEO)

    assert CustomField.objects.filter(key="video").count() == 2
