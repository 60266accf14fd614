"""Duplicates: found by name and phone, refused on the panel's form until confirmed, merged by one service
that moves every relation, in one transaction with one audit row."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from billing.models import Payment
from booking.models import Appointment
from clients.merging import PossibleDuplicate, client_merge, possible_duplicates
from clients.models import CareAssignment, Client, ClientRecord, ClientSignIn, PortalLoginToken, Visit
from clients.services import client_create, client_restrict
from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent
from notify.models import Message
from privacy.models import DataSubjectRequest
from tilli.test import make_client, make_full_client

SYSTEM = Actor.system("test")


def test_a_person_with_the_same_name_and_phone_is_a_possible_duplicate(world):
    anna = make_client(world.org, first_name="Anna", last_name="Virtanen", phone="040 123 4567")
    make_client(world.org, first_name="Anna", last_name="Virtanen", phone="040 765 4321")
    found = possible_duplicates(world.org, first_name="anna", last_name="VIRTANEN", phone="+358401234567")
    assert list(found) == [anna]
    assert not possible_duplicates(world.other_org, first_name="Anna", last_name="Virtanen", phone="+358401234567")


def test_creating_a_duplicate_is_refused_until_confirmed(world):
    anna = make_client(world.org, first_name="Anna", last_name="Virtanen", phone="0401234567")
    with pytest.raises(PossibleDuplicate) as refused:
        client_create(organization=world.org, actor=SYSTEM, allow_duplicate=False, first_name="Anna",
                      last_name="Virtanen", phone="040 123 4567")
    assert refused.value.clients == [anna]
    assert Client.objects.filter(organization=world.org).count() == 1
    client_create(organization=world.org, actor=SYSTEM, allow_duplicate=False, first_name="Anna",
                  last_name="Virtanen", phone="040 999 4567")
    assert Client.objects.filter(organization=world.org).count() == 2


def test_a_merge_moves_every_relation_and_writes_one_audit_row(world):
    survivor = make_client(world.org, first_name="Ilmatar", last_name="Kivikangas")
    full = make_full_client(world.org, world.practitioner)
    duplicate, duplicate_ref = full.client, full.client.subject_ref
    before = AuditEvent.objects.for_organization(world.org).count()

    client_merge(survivor=survivor, duplicate=duplicate, actor=SYSTEM)

    for model in (Visit, ClientRecord, Appointment, Payment, Message, DataSubjectRequest, ClientSignIn):
        assert model._base_manager.filter(client=survivor).exists(), model.__name__
    assert not CareAssignment.objects.filter(client=survivor).exists()
    assert not PortalLoginToken.objects.filter(client=survivor).exists()
    assert not Client.objects.filter(pk=duplicate.pk).exists()
    survivor.refresh_from_db()
    assert survivor.email == full.email and survivor.phone == full.phone
    [merged] = AuditEvent.objects.for_organization(world.org).order_by("seq")[before:]
    assert merged.action == AuditAction.UPDATE and merged.subject_ref == survivor.subject_ref
    assert merged.detail == {"merged_from": str(duplicate_ref)}


def test_a_restricted_client_is_not_merged(world):
    survivor, duplicate = make_client(world.org), make_client(world.org)
    client_restrict(client=duplicate, actor=SYSTEM, reason="Contests the data")
    with pytest.raises(ValidationError):
        client_merge(survivor=survivor, duplicate=duplicate, actor=SYSTEM)
    assert Client.objects.filter(pk=duplicate.pk).exists()
