"""The client pages as each role uses them; every opened client page is in the access log."""

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, ClientRecord
from clients.services import record_create, special_approval_set, visit_create
from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent
from tilli.test import HETU, book_appointment, make_client

SYSTEM = Actor.system("test")


def url(world, name, **kwargs):
    return reverse(name, kwargs={"org_slug": world.org.slug, **kwargs})


def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def anna(world):
    world.org.national_id_enabled = True
    world.org.save()
    client = make_client(world.org, phone="0401234567", national_id=HETU)
    visit_create(client=client, actor=SYSTEM, visited_at=timezone.now(), services="Massage",
                 practitioner=world.practitioner)
    book_appointment(world.org, world.practitioner, client)  # what makes the practitioner a treating one
    special_approval_set(client=client, granted=True, source="staff", actor=SYSTEM)
    record_create(client=client, kind="treatment", body="Shoulder tension, left side", author=world.practitioner,
                  actor=SYSTEM)
    return client


def test_reception_creates_a_client_and_bad_input_is_kept_with_errors(world, client_for):
    client = english(client_for(world.reception))
    response = client.post(url(world, "web:client_new"), {"kind": "person", "first_name": "Ville",
                                                          "last_name": "Virta", "phone": "12"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid phone number" in html and 'value="Ville"' in html
    response = client.post(url(world, "web:client_new"), {"kind": "person", "first_name": "Ville",
                                                          "last_name": "Virta", "phone": "040 765 4321"})
    created = Client.objects.for_organization(world.org).get(last_name="Virta")
    assert response.status_code == 302 and created.phone == "+358407654321"


def test_opening_a_client_page_is_recorded_with_who_and_from_where(world, client_for, anna):
    response = client_for(world.reception).get(url(world, "web:client_detail", client_id=anna.pk),
                                               REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 200
    view = AuditEvent.objects.for_organization(world.org).filter(subject_ref=anna.subject_ref,
                                                                 action=AuditAction.VIEW).last()
    assert view.actor_user_id == world.reception.user.pk and view.ip == "203.0.113.5"


def test_reception_sees_no_sensitive_entries_and_a_masked_national_id(world, client_for, anna):
    html = client_for(world.reception).get(url(world, "web:client_detail", client_id=anna.pk)).content.decode()
    assert "Shoulder tension" not in html
    assert HETU not in html and anna.national_id_masked in html


def test_the_treating_practitioner_sees_entries_and_the_view_is_audited(world, client_for, anna):
    html = client_for(world.practitioner).get(url(world, "web:client_detail", client_id=anna.pk)).content.decode()
    assert "Shoulder tension" in html
    entry = ClientRecord.objects.get(client=anna)
    assert AuditEvent.objects.for_organization(world.org).filter(
        object_type="clients.clientrecord", object_id=str(entry.pk), action=AuditAction.VIEW).exists()


def test_a_practitioner_who_never_treated_the_client_sees_no_entries(world, client_for, anna):
    from tenancy.roles import Role
    from tilli.test import add_member

    stranger = add_member(world.org, Role.PRACTITIONER)
    html = client_for(stranger).get(url(world, "web:client_detail", client_id=anna.pk)).content.decode()
    assert "Shoulder tension" not in html


def test_the_owner_sees_the_clients_access_log_and_reception_does_not(world, client_for, anna):
    owner_html = english(client_for(world.owner)).get(url(world, "web:client_detail", client_id=anna.pk))
    assert "Who has viewed and edited" in owner_html.content.decode()
    reception_html = english(client_for(world.reception)).get(url(world, "web:client_detail", client_id=anna.pk))
    assert "Who has viewed and edited" not in reception_html.content.decode()


def test_revealing_the_national_id_is_a_deliberate_audited_post(world, client_for, anna):
    client = client_for(world.practitioner)
    assert client.get(url(world, "web:client_reveal", client_id=anna.pk)).status_code == 405
    response = client.post(url(world, "web:client_reveal", client_id=anna.pk), headers={"HX-Request": "true"})
    assert HETU in response.content.decode()
    assert AuditEvent.objects.for_organization(world.org).filter(subject_ref=anna.subject_ref,
                                                                 action=AuditAction.REVEAL).count() == 1
    assert client_for(world.reception).post(url(world, "web:client_reveal", client_id=anna.pk)).status_code == 404


def test_search_is_a_post_audited_without_the_query(world, client_for, anna):
    client = client_for(world.reception)
    searches = AuditEvent.objects.for_organization(world.org).filter(action=AuditAction.SEARCH)
    client.get(url(world, "web:client_list") + "?q=virtanen")
    assert not searches.exists()  # a name in a URL is never searched (nor logged by a web server)
    response = client.post(url(world, "web:client_list"), {"q": "virtanen"})
    assert anna.display_name in response.content.decode()
    event = searches.get()
    assert event.detail == {"results": 1} and "virtanen" not in str(event.detail).lower()

def test_the_accountant_cannot_edit_clients(world, client_for, anna):
    client = client_for(world.accountant)
    assert client.get(url(world, "web:client_detail", client_id=anna.pk)).status_code == 200
    assert client.get(url(world, "web:client_edit", client_id=anna.pk)).status_code == 404
    assert client.post(url(world, "web:client_marketing", client_id=anna.pk),
                       {"channel": "sms", "granted": "1"}).status_code == 404


def test_staff_record_a_marketing_ban_per_channel(world, client_for, anna):
    from clients.services import marketing_allowed

    client = client_for(world.reception)
    client.post(url(world, "web:client_marketing", client_id=anna.pk), {"channel": "sms", "granted": "1"})
    assert marketing_allowed(anna, "sms") and not marketing_allowed(anna, "email")
    client.post(url(world, "web:client_marketing", client_id=anna.pk), {"channel": "sms", "granted": "0"})
    assert not marketing_allowed(anna, "sms")


def test_the_owner_adds_a_typed_custom_field_that_then_appears_on_the_client_form(world, client_for):
    client = client_for(world.owner)
    response = client.post(url(world, "web:custom_fields"), {"label": "Video call", "key": "video",
                                                             "field_type": "url", "is_active": "on"})
    assert response.status_code == 302
    form = client.get(url(world, "web:client_new")).content.decode()
    assert "Video call" in form
    assert client_for(world.reception).get(url(world, "web:custom_fields")).status_code == 404


def test_a_contact_person_is_added_to_a_company(world, client_for):
    company = make_client(world.org, kind="company", first_name="", last_name="", company_name="Oy Yritys Ab")
    client = client_for(world.reception)
    response = client.post(url(world, "web:client_new") + f"?company={company.pk}",
                           {"kind": "person", "first_name": "Kalle", "last_name": "Kontakti"})
    assert response.status_code == 302
    assert [p.last_name for p in company.contact_persons.all()] == ["Kontakti"]
    outsider_company = make_client(world.other_org, kind="company", first_name="", last_name="", company_name="Sp")
    assert client.get(url(world, "web:client_new") + f"?company={outsider_company.pk}").status_code == 404
