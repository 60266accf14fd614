"""/api/v1/clients/{id}/records and /care-assignments: only a practitioner who treats the client reads
or writes the sensitive entries; only the owner assigns one."""

import datetime as dt

import pytest
from django.utils import timezone

from api.tests.test_api import call
from clients.models import ClientRecord
from clients.services import special_approval_set, visit_create
from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent
from tenancy.roles import Role
from tilli.test import add_member, book_appointment, make_client

SYSTEM = Actor.system("test")
ENTRY = {"kind": "treatment", "body": "Lower back pain"}


@pytest.fixture
def token_for():
    from api.services import api_token_create

    return lambda m: api_token_create(membership=m, name="t", actor=SYSTEM)[1]


@pytest.fixture
def patient(world):
    client = make_client(world.org)
    special_approval_set(client=client, granted=True, source="staff", actor=SYSTEM)
    return client


def _records(client):
    return f"/clients/{client.pk}/records"


def test_a_practitioner_without_an_appointment_or_assignment_can_neither_read_nor_write(world, token_for, patient):
    token = token_for(world.practitioner)
    # A visit with their name on it (reception can type one) opened everything before.
    visit_create(client=patient, actor=SYSTEM, visited_at=timezone.now(), practitioner=world.practitioner)
    written = call("POST", _records(patient), token, ENTRY)
    assert written.status_code == 403 and written.json()["code"] == "forbidden"
    assert not ClientRecord.objects.filter(client=patient).exists()  # so no entry of theirs opens the rest
    assert call("GET", _records(patient), token).status_code == 403


def test_an_appointment_lets_the_practitioner_write_and_read(world, token_for, patient):
    book_appointment(world.org, world.practitioner, patient)
    token = token_for(world.practitioner)
    assert call("POST", _records(patient), token, ENTRY).status_code == 201
    assert [r["body"] for r in call("GET", _records(patient), token).json()] == [ENTRY["body"]]


def test_the_owner_assigns_and_revokes_and_the_practitioner_follows(world, token_for, patient):
    owner, practitioner = token_for(world.owner), token_for(world.practitioner)
    assert call("POST", _records(patient), owner, ENTRY).status_code == 201
    ends_on = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    granted = call("POST", f"/clients/{patient.pk}/care-assignments", owner,
                   {"practitioner_id": world.practitioner.pk, "ends_on": ends_on})
    assert granted.status_code == 201
    body = granted.json()
    assert body["in_force"] is True and body["ends_on"] == ends_on and body["practitioner_id"] == world.practitioner.pk
    assert [r["body"] for r in call("GET", _records(patient), practitioner).json()] == [ENTRY["body"]]
    audit = AuditEvent.objects.for_organization(world.org).get(
        action=AuditAction.GRANT, object_type="clients.careassignment", object_id=str(body["id"]))
    assert audit.actor_kind == "api" and audit.actor_user_id == world.owner.user.pk
    assert audit.subject_ref == patient.subject_ref

    revoked = call("POST", f"/clients/{patient.pk}/care-assignments/{body['id']}/revoke", owner)
    assert revoked.status_code == 200 and revoked.json()["in_force"] is False
    assert call("GET", _records(patient), practitioner).status_code == 403
    assert call("POST", _records(patient), practitioner, ENTRY).status_code == 403
    listed = call("GET", f"/clients/{patient.pk}/care-assignments", owner).json()
    assert [(a["id"], a["revoked_at"] is not None) for a in listed] == [(body["id"], True)]


def test_reception_cannot_assign_nor_read_and_no_one_but_a_practitioner_is_assigned(world, token_for, patient):
    reception = token_for(world.reception)
    refused = call("POST", f"/clients/{patient.pk}/care-assignments", reception,
                   {"practitioner_id": world.practitioner.pk})
    assert refused.status_code == 404  # like every operation outside the role
    assert call("GET", f"/clients/{patient.pk}/care-assignments", reception).status_code == 404
    assert call("GET", _records(patient), reception).status_code == 404
    wrong = call("POST", f"/clients/{patient.pk}/care-assignments", token_for(world.owner),
                 {"practitioner_id": world.reception.pk})
    assert wrong.status_code == 422 and "practitioner_id" in wrong.json()["fields"]


def test_no_assignment_crosses_organizations(world, token_for, patient):
    foreign = add_member(world.other_org, Role.PRACTITIONER)
    owner = token_for(world.owner)
    into_ours = call("POST", f"/clients/{patient.pk}/care-assignments", owner, {"practitioner_id": foreign.pk})
    assert into_ours.status_code == 422 and "practitioner_id" in into_ours.json()["fields"]
    outsider = token_for(world.outsider)
    assert call("POST", f"/clients/{patient.pk}/care-assignments", outsider,
                {"practitioner_id": foreign.pk}).status_code == 404
    assignment = call("POST", f"/clients/{patient.pk}/care-assignments", owner,
                      {"practitioner_id": world.practitioner.pk}).json()
    theirs = make_client(world.other_org)
    assert call("POST", f"/clients/{theirs.pk}/care-assignments/{assignment['id']}/revoke",
                outsider).status_code == 404
    assert call("GET", _records(patient), token_for(foreign)).status_code == 404


def test_a_restricted_client_gets_no_new_assignment(world, token_for, patient):
    from clients.services import client_restrict

    client_restrict(client=patient, actor=SYSTEM, reason="Contests the data")
    refused = call("POST", f"/clients/{patient.pk}/care-assignments", token_for(world.owner),
                   {"practitioner_id": world.practitioner.pk})
    assert refused.status_code == 409 and refused.json()["code"] == "restricted"  # the client's state, not the input
