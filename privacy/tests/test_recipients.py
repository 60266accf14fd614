"""Adding and removing a recipient of client data are services: one transaction with its audit row."""

from __future__ import annotations

import pytest
from django.db import transaction

from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent
from privacy.models import OrganizationRecipient
from privacy.recipients import recipient_add, recipient_remove

ACTOR = Actor(kind="user", user_id=1, label="Owner", role="owner")
ACCOUNTANT = {"name": "Tilitoimisto Numero Oy", "purpose": "Bookkeeping", "data_categories": "Receipts",
              "country": "FI", "is_processor": True}


def _audit(world, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(organization=world.org, action=action,
                                          object_type="privacy.organizationrecipient"))


def test_adding_a_recipient_writes_the_row_and_one_audit_row(world):
    recipient = recipient_add(organization=world.org, actor=ACTOR, **ACCOUNTANT)

    assert OrganizationRecipient.objects.get(organization=world.org).pk == recipient.pk
    assert [event.object_id for event in _audit(world, AuditAction.CREATE)] == [str(recipient.pk)]


def test_a_rolled_back_addition_leaves_neither_the_row_nor_its_audit_row(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        recipient_add(organization=world.org, actor=ACTOR, **ACCOUNTANT)
        raise RuntimeError

    assert not OrganizationRecipient.objects.filter(organization=world.org).exists()
    assert _audit(world, AuditAction.CREATE) == []


def test_removing_a_recipient_keeps_its_row_for_older_notices(world):
    recipient = recipient_add(organization=world.org, actor=ACTOR, **ACCOUNTANT)

    recipient_remove(recipient=recipient, actor=ACTOR)

    recipient.refresh_from_db()
    assert recipient.removed_at is not None
    assert [event.object_id for event in _audit(world, AuditAction.DELETE)] == [str(recipient.pk)]
