"""Each retention period is stated once, in the registry: the retention job, the erasure plan and the
generated documents (privacy notice, Art. 30 record) all read it, so changing it there changes all three."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone, translation

from kernel.audit import Actor
from kernel.registry import registry
from privacy.document_rendering import notice_text, record_rows
from privacy.documents import notice_facts, publish_notice
from privacy.erasure import plan_erasure
from privacy.models import RETENTION_REQUEST, DataSubjectRequest, RequestChannel, RequestKind, RequestStatus
from privacy.requests import request_create
from privacy.retention import run_retention
from tilli.test import make_client

SYSTEM = Actor.system("test")


@pytest.fixture
def requests_kept_100_days():
    """The registry's period for data-subject requests, changed in the one place it is stated."""
    before = RETENTION_REQUEST.days
    object.__setattr__(RETENTION_REQUEST, "days", 100)
    yield
    object.__setattr__(RETENTION_REQUEST, "days", before)


def _closed_request(world, client, closed_days_ago: int) -> DataSubjectRequest:
    req = request_create(organization=world.org, kind=RequestKind.ACCESS, channel=RequestChannel.EMAIL,
                         actor=SYSTEM, client=client)
    DataSubjectRequest.objects.filter(pk=req.pk).update(
        status=RequestStatus.COMPLETED, closed_at=timezone.now() - dt.timedelta(days=closed_days_ago))
    return req


@pytest.mark.django_db
def test_the_job_the_erasure_plan_and_the_documents_follow_one_change_in_the_registry(world,
                                                                                      requests_kept_100_days):
    client = make_client(world.org)
    old, recent = _closed_request(world, client, 101), _closed_request(world, client, 99)

    assert run_retention(dry_run=True).counts()["closed_requests"] == 1
    run_retention(dry_run=False)
    assert list(DataSubjectRequest.objects.filter(client=client)) == [recent]
    assert not DataSubjectRequest.objects.filter(pk=old.pk).exists()

    kept = [item for item in plan_erasure(client).items if item.label == "privacy.DataSubjectRequest"]
    assert [item.keep_until for item in kept] == [timezone.localdate(recent.received_at, dt.UTC)
                                                  + dt.timedelta(days=100)]

    with translation.override("en"):
        notice = notice_text(notice_facts(world.org), organization=world.org, language="en")
        record = " ".join(" ".join(row) for row in record_rows(world.org))
    assert "Data-subject requests: kept 100 days after they were answered" in notice
    assert "Data-subject requests: kept 100 days after they were answered" in record
    assert "3 years after they were answered" not in notice + record


@pytest.mark.django_db
def test_a_published_notice_keeps_the_period_it_stated(world):
    version = publish_notice(organization=world.org, actor=SYSTEM)
    before = RETENTION_REQUEST.days
    object.__setattr__(RETENTION_REQUEST, "days", 100)
    try:
        with translation.override("en"):
            text = notice_text(version.facts, organization=world.org, language="en")
    finally:
        object.__setattr__(RETENTION_REQUEST, "days", before)
    assert "Data-subject requests: kept 3 years after they were answered" in text


def test_no_rule_repeats_its_period_in_words():
    number = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|a day)\b", re.IGNORECASE)
    with translation.override("en"):
        for reg in registry:
            for pf in reg.fields.values():
                rule = pf.retention
                if rule.period_days() is not None:  # the period is the number; the words only name it
                    assert not number.search(str(rule.description)), rule.code


@pytest.mark.django_db
def test_an_organizations_own_period_is_the_one_its_job_and_its_information_to_clients_state(world):
    from clients.models import Client
    from privacy.information import retention_rules

    world.org.inactive_client_years = 5
    world.org.save()
    with translation.override("en"):
        rules = {rule["code"]: rule["description"] for rule in retention_rules(world.org)}
    assert "deleted 5 years after the last visit" in rules["customer"]
    assert "5 years after the last visit" in rules["appointment"]
    client = make_client(world.org)
    four_years_ago = timezone.now() - dt.timedelta(days=4 * 365)
    Client.objects.filter(pk=client.pk).update(created_at=four_years_ago, updated_at=four_years_ago)
    assert run_retention(dry_run=True).counts()["inactive_clients"] == 0
    six_years_ago = timezone.now() - dt.timedelta(days=6 * 365)
    Client.objects.filter(pk=client.pk).update(created_at=six_years_ago, updated_at=six_years_ago)
    assert run_retention(dry_run=True).counts()["inactive_clients"] == 1
