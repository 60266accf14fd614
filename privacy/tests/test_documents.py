"""Document facts come from the live system: a field not enabled is not listed, a new recipient or
sub-processor shows up, publishing keeps every version, agreements follow their facts."""

from __future__ import annotations

import pytest

from clients.models import ClientRecord
from kernel.audit import Actor
from privacy.documents import (
    agreement_generate,
    notice_facts,
    notice_is_current,
    publish_notice,
    record_of_processing,
)
from privacy.models import AgreementStatus, OrganizationRecipient, PrivacyNoticeVersion, SubProcessor
from tilli.test import make_full_client

SYSTEM = Actor.system("test")


@pytest.mark.django_db
def test_a_field_that_is_not_enabled_is_not_listed(world):
    facts = notice_facts(world.org)
    assert "national_id" not in facts["categories"] and "special" not in facts["categories"]
    assert {"identity", "contact", "usage"} <= set(facts["categories"])
    world.org.national_id_enabled = True
    world.org.keeps_patient_records = True
    world.org.save()
    facts = notice_facts(world.org)
    assert "national_id" in facts["categories"] and "special" in facts["categories"]
    assert any(r["code"] == "patient_record" and r["years_after_year_end"] == 12 for r in facts["retention"])
    assert facts["authority"] == "FI" and facts["transfers"] == []


@pytest.mark.django_db
def test_recipients_and_transfers_outside_the_eea_come_from_the_lists(world):
    SubProcessor.objects.create(name="Hosting Oy", address="Helsinki", country="FI", purpose="hosting",
                                location="Finland", data_categories="all")
    OrganizationRecipient.objects.create(organization=world.org, name="Tilitoimisto Oy", purpose="bookkeeping",
                                         country="FI", data_categories="receipts")
    OrganizationRecipient.objects.create(organization=world.other_org, name="Biuro", purpose="x", country="US",
                                         data_categories="x")
    facts = notice_facts(world.org)
    assert [r["name"] for r in facts["recipients"]["subprocessors"]] == ["Hosting Oy"]
    assert [r["name"] for r in facts["recipients"]["organization"]] == ["Tilitoimisto Oy"]
    assert facts["transfers"] == []
    assert notice_facts(world.other_org)["transfers"] == ["US"]


@pytest.mark.django_db
def test_publishing_keeps_every_version_and_a_change_makes_the_notice_stale(world):
    first = publish_notice(organization=world.org, actor=SYSTEM)
    assert first.version == 1 and notice_is_current(world.org)
    assert publish_notice(organization=world.org, actor=SYSTEM) == first  # nothing changed, nothing new
    make_full_client(world.org, world.practitioner)  # a sensitive entry now exists: special category held
    assert not notice_is_current(world.org)
    second = publish_notice(organization=world.org, actor=SYSTEM)
    assert second.version == 2 and "special" in second.facts["categories"]
    assert "special" not in PrivacyNoticeVersion.objects.get(pk=first.pk).facts["categories"]
    assert ClientRecord.objects.filter(organization=world.org).exists()


@pytest.mark.django_db
def test_the_record_of_processing_has_a_row_per_purpose_with_a_to_g(world):
    rows = record_of_processing(world.org)
    purposes = {r["purpose"] for r in rows}
    assert {"customer", "booking", "marketing", "access_control"} <= purposes
    for row in rows:
        assert row["bases"] and row["subjects"] and row["categories"] and row["retention"] and row["security"]


@pytest.mark.django_db
def test_a_new_subprocessor_supersedes_the_agreement(world):
    first = agreement_generate(organization=world.org, actor=SYSTEM)
    assert agreement_generate(organization=world.org, actor=SYSTEM) == first
    SubProcessor.objects.create(name="SMS Oy", address="Espoo", country="FI", purpose="SMS", location="EU",
                                data_categories="phone numbers, message text")
    second = agreement_generate(organization=world.org, actor=SYSTEM)
    first.refresh_from_db()
    assert second.version == 2 and first.status == AgreementStatus.SUPERSEDED
    assert second.facts["subprocessors"][0]["name"] == "SMS Oy"
