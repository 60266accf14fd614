"""The client page's sensitive entries: read and written only by the owner and a practitioner who treats
the client; the owner gives and revokes access on the same page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import CareAssignment, ClientRecord
from clients.services import record_create, special_approval_set, visit_create
from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent
from tilli.test import book_appointment, make_client

SYSTEM = Actor.system("test")
NOTE = "Allergic to latex"


def url(world, name, **kwargs):
    return reverse(name, kwargs={"org_slug": world.org.slug, **kwargs})


@pytest.fixture
def patient(world):
    client = make_client(world.org)
    special_approval_set(client=client, granted=True, source="staff", actor=SYSTEM)
    record_create(client=client, kind="treatment", body=NOTE, author=world.owner, actor=SYSTEM)
    return client


def _page(client, world, patient) -> str:
    response = client.get(url(world, "web:client_detail", client_id=patient.pk))
    assert response.status_code == 200
    return response.content.decode()


def test_a_practitioner_who_does_not_treat_the_client_can_neither_read_nor_write(world, client_for, patient):
    visit_create(client=patient, actor=SYSTEM, visited_at=timezone.now(), practitioner=world.practitioner)
    browser = client_for(world.practitioner)
    assert NOTE not in _page(browser, world, patient)
    written = browser.post(url(world, "web:client_record_new", client_id=patient.pk),
                           {"kind": "treatment", "body": "My own note"})
    assert written.status_code == 404
    approval = browser.post(url(world, "web:client_approval", client_id=patient.pk), {"granted": "0"})
    assert approval.status_code == 404
    assert [r.body for r in ClientRecord.objects.filter(client=patient)] == [NOTE]
    assert NOTE not in _page(browser, world, patient)


def test_the_practitioner_of_an_appointment_reads_and_writes(world, client_for, patient):
    book_appointment(world.org, world.practitioner, patient)
    browser = client_for(world.practitioner)
    assert NOTE in _page(browser, world, patient)
    browser.post(url(world, "web:client_record_new", client_id=patient.pk), {"kind": "treatment", "body": "Better"})
    assert ClientRecord.objects.filter(client=patient, author=world.practitioner).count() == 1


def test_the_owner_gives_and_revokes_access_on_the_client_page(world, client_for, patient):
    owner, practitioner = client_for(world.owner), client_for(world.practitioner)
    owner.cookies["django_language"] = "en"
    assert "Who treats this client" in _page(owner, world, patient)
    response = owner.post(url(world, "web:client_care_grant", client_id=patient.pk),
                          {"care-practitioner": world.practitioner.pk,
                           "care-ends_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat()})
    assert response.status_code == 302
    assignment = CareAssignment.objects.get(client=patient)
    assert AuditEvent.objects.for_organization(world.org).filter(
        action=AuditAction.GRANT, object_type="clients.careassignment", object_id=str(assignment.pk),
        actor_user_id=world.owner.user.pk, subject_ref=patient.subject_ref).exists()
    assert NOTE in _page(practitioner, world, patient)
    assert str(world.practitioner.user) in _page(owner, world, patient)

    owner.post(url(world, "web:client_care_revoke", client_id=patient.pk, assignment_id=assignment.pk))
    assert AuditEvent.objects.for_organization(world.org).filter(
        action=AuditAction.REVOKE, object_type="clients.careassignment", object_id=str(assignment.pk)).exists()
    assert NOTE not in _page(practitioner, world, patient)


def test_a_grant_with_a_past_end_day_comes_back_with_the_error(world, client_for, patient):
    response = client_for(world.owner).post(url(world, "web:client_care_grant", client_id=patient.pk), {
        "care-practitioner": world.practitioner.pk,
        "care-ends_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat()})
    assert response.status_code == 422 and 'id="id_care-ends_on_error"' in response.content.decode()
    assert not CareAssignment.objects.exists()


def test_reception_sees_no_entries_and_cannot_give_access(world, client_for, patient):
    browser = client_for(world.reception)
    html = _page(browser, world, patient)
    assert NOTE not in html and url(world, "web:client_care_grant", client_id=patient.pk) not in html
    response = browser.post(url(world, "web:client_care_grant", client_id=patient.pk),
                            {"care-practitioner": world.practitioner.pk})
    assert response.status_code == 404 and not CareAssignment.objects.exists()
    practitioner_page = client_for(world.practitioner).get(url(world, "web:client_detail", client_id=patient.pk))
    assert NOTE not in practitioner_page.content.decode()


def test_an_owner_of_another_organization_cannot_give_access_to_our_client(world, client_for, patient):
    response = client_for(world.outsider).post(url(world, "web:client_care_grant", client_id=patient.pk),
                                               {"care-practitioner": world.practitioner.pk})
    assert response.status_code == 404 and not CareAssignment.objects.exists()
