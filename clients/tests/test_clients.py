"""Creating, changing, searching and merging clients, with validation in the user's language."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from clients.merging import client_merge
from clients.models import Channel, Client, ClientKind, ClientRecord, CustomField, MarketingConsent, Visit
from clients.selectors import search_clients
from clients.services import (
    ApprovalMissing,
    client_reveal_national_id,
    client_update,
    marketing_allowed,
    marketing_consent_set,
    record_create,
    special_approval_set,
    visit_create,
)
from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent
from tilli.test import HETU, PESEL, make_client

SYSTEM = Actor.system("test")


def _last_event(org) -> AuditEvent:
    return AuditEvent.objects.for_organization(org).order_by("-seq").first()


def test_a_person_is_created_with_a_phone_in_e164_and_the_creation_is_audited(world):
    client = make_client(world.org, phone="040 123 4567", email=" Anna.V@Example.TEST ")
    assert client.phone == "+358401234567" and client.email == "anna.v@example.test"
    event = _last_event(world.org)
    assert event.action == AuditAction.CREATE and event.subject_ref == client.subject_ref
    assert "phone" in event.changed_fields and "+358" not in str(event.detail)


def test_invalid_values_are_refused_per_field_in_the_users_language(world):
    with translation.override("fi"), pytest.raises(ValidationError) as caught:
        make_client(world.org, phone="12", email="not-an-email", birth_year=1700)
    errors = caught.value.message_dict
    assert set(errors) == {"phone", "email", "birth_year"}
    assert errors["phone"][0] != "Enter a valid phone number, e.g. +358 40 123 4567."  # Finnish text
    assert not Client.objects.for_organization(world.org).exists()


def test_national_ids_only_where_the_organization_enables_them_and_validated(world):
    with pytest.raises(ValidationError) as caught:
        make_client(world.org, national_id=HETU)
    assert "national_id" in caught.value.message_dict
    world.org.national_id_enabled = True
    world.org.save()
    with pytest.raises(ValidationError):
        make_client(world.org, national_id="131052-308X")  # wrong check character
    client = make_client(world.org, national_id=HETU.lower())
    assert client.national_id == HETU and client.national_id_masked.endswith("T")
    assert HETU not in client.national_id_masked


def test_polish_clients_get_pesel_validation(world):
    world.other_org.national_id_enabled = True
    world.other_org.save()
    client = make_client(world.other_org, first_name="Jan", last_name="Nowak", national_id=PESEL,
                         phone="601 234 567")
    assert client.phone == "+48601234567"
    with pytest.raises(ValidationError):
        make_client(world.other_org, national_id="44051401358")


def test_an_update_audits_the_names_of_changed_fields_never_values(world):
    world.org.national_id_enabled = True
    world.org.save()
    client = make_client(world.org)
    changed = client_update(client=client, actor=SYSTEM, city="Oulu", national_id=HETU, first_name="Anna")
    assert changed == ["city", "national_id"]
    event = _last_event(world.org)
    assert event.changed_fields == ["city", "national_id"]
    assert HETU not in str(event.detail) and "Oulu" not in str(event.detail)
    assert client_update(client=client, actor=SYSTEM, city="Oulu") == []


def test_revealing_a_national_id_is_audited(world):
    world.org.national_id_enabled = True
    world.org.save()
    client = make_client(world.org, national_id=HETU)
    assert client_reveal_national_id(client=client, actor=SYSTEM) == HETU
    assert _last_event(world.org).action == AuditAction.REVEAL


def test_search_by_name_prefix_phone_email_and_national_id(world):
    world.org.national_id_enabled = True
    world.org.save()
    anna = make_client(world.org, phone="0401234567", email="anna@example.test", national_id=HETU)
    make_client(world.org, first_name="Pekka", last_name="Virtala")
    make_client(world.other_org, first_name="Anna", last_name="Virtanen")  # another organization
    assert [c.pk for c in search_clients(world.org, "virtan")] == [anna.pk]
    assert len(search_clients(world.org, "VIRT")) == 2
    assert [c.pk for c in search_clients(world.org, "anna vir")] == [anna.pk]
    assert [c.pk for c in search_clients(world.org, "040 123")] == [anna.pk]
    assert [c.pk for c in search_clients(world.org, "+35840123")] == [anna.pk]
    assert [c.pk for c in search_clients(world.org, "anna@ex")] == [anna.pk]
    assert [c.pk for c in search_clients(world.org, HETU)] == [anna.pk]
    assert list(search_clients(world.org, "")) == []


def test_accents_do_not_matter_in_name_search(world):
    client = make_client(world.org, first_name="Łucja", last_name="Ääkkönen")
    assert [c.pk for c in search_clients(world.org, "aakko")] == [client.pk]
    assert [c.pk for c in search_clients(world.org, "lucja")] == [client.pk]


def test_marketing_permission_per_channel_with_history(world):
    client = make_client(world.org)
    assert not marketing_allowed(client, Channel.EMAIL)
    marketing_consent_set(client=client, channel=Channel.EMAIL, granted=True, source="staff", actor=SYSTEM)
    assert marketing_allowed(client, Channel.EMAIL) and not marketing_allowed(client, Channel.SMS)
    assert marketing_consent_set(client=client, channel=Channel.EMAIL, granted=True, source="staff",
                                 actor=SYSTEM) is None
    marketing_consent_set(client=client, channel=Channel.EMAIL, granted=False, source="portal", actor=SYSTEM)
    assert not marketing_allowed(client, Channel.EMAIL)
    history = MarketingConsent.objects.filter(client=client).order_by("pk")
    assert [(c.granted, c.source, c.wording_version) for c in history] == [
        (True, "staff", "marketing-2026-11"), (False, "portal", "marketing-2026-11")]


def test_special_records_need_the_clients_approval_first(world):
    client = make_client(world.org)
    with pytest.raises(ApprovalMissing):
        record_create(client=client, kind="treatment", body="Back pain", author=world.owner, actor=SYSTEM)
    special_approval_set(client=client, granted=True, source="staff", actor=SYSTEM)
    entry = record_create(client=client, kind="treatment", body="Back pain", author=world.owner,
                          actor=SYSTEM)
    assert ClientRecord.objects.get(pk=entry.pk).body == "Back pain"
    assert "Back pain" not in str(_last_event(world.org).detail)
    special_approval_set(client=client, granted=False, source="portal", actor=SYSTEM)
    with pytest.raises(ApprovalMissing):
        record_create(client=client, kind="treatment", body="More", author=world.owner, actor=SYSTEM)


def test_custom_fields_are_typed(world):
    CustomField.objects.create(organization=world.org, key="video", label="Video call", field_type="url")
    client = make_client(world.org, custom_fields={"video": "https://meet.example.test/anna"})
    assert client.custom_fields == {"video": "https://meet.example.test/anna"}
    with pytest.raises(ValidationError) as caught:
        make_client(world.org, custom_fields={"video": "not a url", "unknown": "x"})
    assert len(caught.value.message_dict["custom_fields"]) == 2


def test_a_company_has_contact_persons(world):
    company = make_client(world.org, kind=ClientKind.COMPANY, first_name="", last_name="",
                          company_name="Oy Esimerkki Ab", business_id="2345678-0")
    person = make_client(world.org, company=company)
    assert list(company.contact_persons.all()) == [person]
    with pytest.raises(ValidationError):
        make_client(world.org, kind=ClientKind.COMPANY, first_name="", last_name="", company_name="X",
                    business_id="123")


def test_merging_moves_history_fills_gaps_and_keeps_both_audit_trails(world):
    survivor = make_client(world.org, phone="0401234567")
    duplicate = make_client(world.org, email="anna@example.test", city="Oulu")
    visit_create(client=duplicate, actor=SYSTEM, visited_at=timezone.now(), services="Haircut",
                 practitioner=world.practitioner)
    marketing_consent_set(client=duplicate, channel="sms", granted=True, source="staff", actor=SYSTEM)
    duplicate_ref = duplicate.subject_ref
    client_merge(survivor=survivor, duplicate=duplicate, actor=SYSTEM)
    survivor.refresh_from_db()
    assert survivor.email == "anna@example.test" and survivor.city == "Oulu" and survivor.phone == "+358401234567"
    assert Visit.objects.filter(client=survivor).count() == 1
    assert marketing_allowed(survivor, "sms")
    assert not Client.objects.filter(pk=duplicate.pk).exists()
    assert AuditEvent.objects.for_organization(world.org).filter(subject_ref=duplicate_ref).count() >= 3
    merged = _last_event(world.org)
    assert merged.action == AuditAction.UPDATE and merged.subject_ref == survivor.subject_ref
    assert merged.detail == {"merged_from": str(duplicate_ref)}


def test_merging_across_organizations_is_refused(world):
    with pytest.raises(ValidationError):
        client_merge(survivor=make_client(world.org), duplicate=make_client(world.other_org), actor=SYSTEM)


@pytest.mark.parametrize("typed", ["040 l23 4567", "040 123 456O", "+358 40 I23 4567", "0800-FLOWERS"])
def test_a_phone_with_a_letter_is_refused_not_read_as_a_keypad(world, typed):
    with pytest.raises(ValidationError) as caught:
        make_client(world.org, last_name="Aalto", phone=typed)
    assert caught.value.message_dict["phone"] == [
        "A phone number has only digits: check for a letter typed instead of a digit (such as l for 1 or O for 0)."]
    assert not Client.objects.exists()
