"""Who treats whom: appointments and the owner's care assignments open a client's sensitive entries;
visits, entries and anything else a member states about themselves do not."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from booking.models import AppointmentState
from booking.services import appointment_transition
from clients.care import care_assignment_grant, care_assignment_revoke, care_team
from clients.merging import client_merge
from clients.models import CareAssignment, ClientRecord
from clients.permissions import CareBasis, NotTreating, can_see_records, can_write_records, care_basis
from clients.selectors import records_for
from clients.services import client_restrict, record_create, special_approval_set, visit_create
from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent
from tenancy.roles import Role
from tilli.test import add_member, book_appointment, make_client

SYSTEM = Actor.system("test")
OWNER_ACTOR = Actor(kind="user", user_id=1, label="Owner", role="owner")


@pytest.fixture
def patient(world):
    client = make_client(world.org)
    special_approval_set(client=client, granted=True, source="staff", actor=SYSTEM)
    record_create(client=client, kind="treatment", body="Knee surgery 2024", author=world.owner, actor=SYSTEM)
    return client


def test_a_visit_or_an_entry_naming_the_practitioner_does_not_make_them_treating(world, patient):
    # What used to count: a visit with their name (which reception can type) and an entry of their own.
    visit_create(client=patient, actor=SYSTEM, visited_at=timezone.now(), practitioner=world.practitioner)
    ClientRecord.objects.create(organization=world.org, client=patient, kind="treatment", body="Own note",
                                author=world.practitioner)
    assert care_basis(world.practitioner, patient) is None
    assert not can_see_records(world.practitioner, patient) and not can_write_records(world.practitioner, patient)
    with pytest.raises(NotTreating):
        records_for(patient, member=world.practitioner, actor=SYSTEM)


def test_writing_an_entry_needs_the_relationship_even_through_the_service(world, patient):
    with pytest.raises(NotTreating):
        record_create(client=patient, kind="treatment", body="Anything", author=world.practitioner, actor=SYSTEM)
    assert ClientRecord.objects.filter(client=patient).count() == 1


def test_the_owner_always_treats_and_reception_and_the_accountant_never(world, patient):
    book_appointment(world.org, world.reception, patient)  # even an appointment with them opens nothing
    assert care_basis(world.owner, patient) == CareBasis.OWNER
    assert care_basis(world.reception, patient) is None and care_basis(world.accountant, patient) is None


def test_an_appointment_opens_the_entries_from_its_booking_until_the_window_after_it(world, patient, settings):
    settings.CARE_AFTER_APPOINTMENT_DAYS = 180
    appointment = book_appointment(world.org, world.practitioner, patient, days_ahead=30)
    assert care_basis(world.practitioner, patient) == CareBasis.APPOINTMENT  # booked, a month ahead
    assert care_basis(world.practitioner, patient, now=appointment.end + dt.timedelta(days=179)) is not None
    assert care_basis(world.practitioner, patient, now=appointment.end + dt.timedelta(days=181)) is None
    stranger = add_member(world.org, Role.PRACTITIONER)
    assert care_basis(stranger, patient) is None  # another practitioner of the same organization


@pytest.mark.parametrize("state", [AppointmentState.CANCELLED, AppointmentState.NO_SHOW])
def test_a_cancelled_or_missed_appointment_opens_nothing(world, patient, state):
    appointment = book_appointment(world.org, world.practitioner, patient)
    appointment_transition(appointment=appointment, to_state=state, actor=SYSTEM)
    assert care_basis(world.practitioner, patient) is None


def test_a_granted_assignment_opens_the_entries_until_revoked_and_both_are_audited(world, patient):
    assignment = care_assignment_grant(client=patient, practitioner=world.practitioner, actor=OWNER_ACTOR)
    assert care_basis(world.practitioner, patient) == CareBasis.ASSIGNMENT
    assert assignment.granted_by_user_id == OWNER_ACTOR.user_id
    assert [r.body for r in records_for(patient, member=world.practitioner, actor=SYSTEM)] == ["Knee surgery 2024"]
    view = AuditEvent.objects.for_organization(world.org).filter(object_type="clients.clientrecord").last()
    assert view.detail == {"basis": "assignment"}  # the access log says why the entries could be read
    assert care_assignment_revoke(assignment=assignment, actor=OWNER_ACTOR) is True
    assert care_assignment_revoke(assignment=assignment, actor=OWNER_ACTOR) is False  # once
    assert care_basis(world.practitioner, patient) is None
    events = AuditEvent.objects.for_organization(world.org).filter(object_type="clients.careassignment",
                                                                   object_id=str(assignment.pk)).order_by("seq")
    assert [(e.action, e.subject_ref, e.actor_user_id) for e in events] == [
        (AuditAction.GRANT, patient.subject_ref, OWNER_ACTOR.user_id),
        (AuditAction.REVOKE, patient.subject_ref, OWNER_ACTOR.user_id)]


def test_an_assignment_lasts_through_its_last_day(world, patient):
    today = timezone.localdate()
    care_assignment_grant(client=patient, practitioner=world.practitioner, actor=OWNER_ACTOR,
                          ends_on=today + dt.timedelta(days=2))
    assert care_basis(world.practitioner, patient, now=timezone.now() + dt.timedelta(days=2)) is not None
    assert care_basis(world.practitioner, patient, now=timezone.now() + dt.timedelta(days=3)) is None
    with pytest.raises(ValidationError) as caught:
        care_assignment_grant(client=patient, practitioner=world.practitioner, actor=OWNER_ACTOR,
                              ends_on=today - dt.timedelta(days=1))
    assert "ends_on" in caught.value.message_dict


def test_a_second_grant_replaces_the_first_and_one_stays_open(world, patient):
    first = care_assignment_grant(client=patient, practitioner=world.practitioner, actor=OWNER_ACTOR)
    second = care_assignment_grant(client=patient, practitioner=world.practitioner, actor=OWNER_ACTOR,
                                   ends_on=timezone.localdate() + dt.timedelta(days=30))
    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    with pytest.raises(IntegrityError):  # the database keeps one open assignment per pair
        CareAssignment.objects.create(organization=world.org, client=patient, practitioner=world.practitioner)


def test_only_an_active_practitioner_of_the_same_organization_can_be_assigned(world, patient):
    other_practitioner = add_member(world.other_org, Role.PRACTITIONER)
    gone = add_member(world.org, Role.PRACTITIONER)
    gone.is_active = False
    gone.save()
    for member in (world.reception, world.accountant, world.outsider, other_practitioner, gone):
        with pytest.raises(ValidationError) as caught:
            care_assignment_grant(client=patient, practitioner=member, actor=OWNER_ACTOR)
        assert "practitioner" in caught.value.message_dict
    assert not CareAssignment.objects.exists()


def test_a_practitioner_of_another_organization_never_treats_the_client(world, patient):
    other_practitioner = add_member(world.other_org, Role.PRACTITIONER)
    assert care_basis(other_practitioner, patient) is None and care_basis(world.outsider, patient) is None


def test_a_restricted_client_gets_no_new_assignment(world, patient):
    client_restrict(client=patient, actor=SYSTEM, reason="Contests the data")
    with pytest.raises(ValidationError):
        care_assignment_grant(client=patient, practitioner=world.practitioner, actor=OWNER_ACTOR)


def test_a_merge_does_not_carry_an_assignment_to_the_survivor(world, patient):
    duplicate = make_client(world.org, first_name="Anna", last_name="Virtanen-Duplicate")
    care_assignment_grant(client=duplicate, practitioner=world.practitioner, actor=OWNER_ACTOR)
    client_merge(survivor=patient, duplicate=duplicate, actor=SYSTEM)
    assert care_basis(world.practitioner, patient) is None


def test_the_care_team_names_each_practitioner_with_the_reason_and_the_last_day(world, patient, settings):
    settings.CARE_AFTER_APPOINTMENT_DAYS = 10
    appointment = book_appointment(world.org, world.practitioner, patient, days_ahead=2)
    colleague = add_member(world.org, Role.PRACTITIONER)
    care_assignment_grant(client=patient, practitioner=colleague, actor=OWNER_ACTOR)
    team = {(m.membership.pk, m.basis): m.until for m in care_team(patient)}
    last_day = timezone.localtime(appointment.end + dt.timedelta(days=10)).date()
    assert team == {(world.practitioner.pk, CareBasis.APPOINTMENT): last_day,
                    (colleague.pk, CareBasis.ASSIGNMENT): None}
