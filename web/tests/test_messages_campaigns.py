"""Campaigns: a draft, a preview that says how many get it and why the others do not, a confirmed
send that queues only the allowed, and the live delivery status."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clients.services import client_object_to_marketing, client_restrict, marketing_consent_set, visit_create
from kernel.models import AuditAction, AuditEvent
from notify.delivery import deliver
from notify.models import Campaign, CampaignStatus, Message, MessagePurpose, MessageStatus
from notify.policy import policy_for
from tilli.test import make_client
from web.tests.messages_helpers import SYSTEM, english, url


def _visited(world, client, days_ago=10):
    visit_create(client=client, actor=SYSTEM, practitioner=world.practitioner,
                 visited_at=timezone.now() - dt.timedelta(days=days_ago), services="Cut")
    return client


def _allowed(world, client, channel="email"):
    marketing_consent_set(client=client, channel=channel, granted=True, source="staff", actor=SYSTEM)
    return client


@pytest.fixture
def segment(world):
    """Clients who visited lately: two may get email, the others each for a different reason not."""
    org = world.org
    allowed = [_allowed(world, _visited(world, make_client(org, first_name=f"Sallittu{i}",
                                                            email=f"ok{i}@example.test"))) for i in range(2)]
    no_consent = _visited(world, make_client(org, first_name="Kielto", email="nope@example.test"))
    restricted = _allowed(world, _visited(world, make_client(org, first_name="Rajattu", email="r@example.test")))
    client_restrict(client=restricted, actor=SYSTEM, reason="Contests the data")
    objected = _allowed(world, _visited(world, make_client(org, first_name="Vastustaja", email="v@example.test")))
    client_object_to_marketing(client=objected, actor=SYSTEM, source="staff")
    no_email = _allowed(world, _visited(world, make_client(org, first_name="Puhelin", phone="0401234567")))
    _allowed(world, make_client(org, first_name="Ei-kaynyt", email="never@example.test"))  # no visit: not in segment
    _allowed(world, _visited(world, make_client(org, first_name="Vanha", email="old@example.test"), days_ago=400))
    return {"allowed": allowed, "no_consent": no_consent, "restricted": restricted, "objected": objected,
            "no_email": no_email}


def _draft(world, **fields) -> Campaign:
    fields = {"name": "Spring offer", "channel": "email", "visited_within_days": 365,
              "subject": "Spring at {{ organization.name }}", "body": "Ten percent off in April.", **fields}
    return Campaign.objects.create(organization=world.org, **fields)


@pytest.mark.parametrize("role", ["practitioner", "reception", "accountant"])
def test_only_the_owner_works_with_campaigns(world, client_for, role):
    campaign = _draft(world)
    browser = client_for(world.member(role))
    for name in ("campaign", "campaign_preview", "campaign_send", "campaign_status"):
        assert browser.get(url(world, name, campaign_id=campaign.pk)).status_code == 404, name
    assert browser.post(url(world, "campaign_send", campaign_id=campaign.pk)).status_code == 404
    assert campaign.messages.count() == 0


def test_the_owner_writes_a_draft_and_edits_it(world, client_for):
    browser = english(client_for(world.owner))
    missing_subject = browser.post(url(world, "campaign_new"), {"name": "News", "channel": "email",
                                                                "visited_within_days": "90", "body": "Hello"})
    assert "An email needs a subject." in missing_subject.content.decode()
    response = browser.post(url(world, "campaign_new"), {"name": "News", "channel": "email",
                                                         "visited_within_days": "90", "subject": "News",
                                                         "body": "Hello"})
    campaign = Campaign.objects.get(organization=world.org)
    assert response["Location"] == url(world, "campaign_preview", campaign_id=campaign.pk)
    assert campaign.status == CampaignStatus.DRAFT and campaign.created_by_user_id == world.owner.user_id
    browser.post(url(world, "campaign", campaign_id=campaign.pk), {
        "name": "News", "channel": "sms", "visited_within_days": "30", "subject": "", "body": "Hello again"})
    campaign.refresh_from_db()
    assert (campaign.channel, campaign.visited_within_days, campaign.body) == ("sms", 30, "Hello again")
    assert list(AuditEvent.objects.for_organization(world.org).filter(object_type="notify.campaign")
                .values_list("action", flat=True)) == [AuditAction.CREATE, AuditAction.UPDATE]
    listing = browser.get(url(world, "campaigns")).content.decode()
    assert "News" in listing and "Draft" in listing


def test_the_preview_counts_who_gets_it_and_why_the_others_do_not(world, client_for, segment):
    campaign = _draft(world)
    browser = english(client_for(world.owner))
    response = browser.get(url(world, "campaign_preview", campaign_id=campaign.pk))
    assert response.context["recipients"] == 2 and response.context["segment_size"] == 6
    assert dict(response.context["reasons"]) == {
        "has not allowed this channel": 1, "objected to direct marketing": 1, "processing is restricted": 1,
        "has no address for this channel": 1}
    html = response.content.decode()
    assert "Ten percent off in April." in html and "/u/" in html  # the sample's one-click unsubscribe link
    for name in ("Sallittu", "Kielto", "Rajattu", "ok0@example.test"):
        assert name not in html  # counts, never names


def test_sending_asks_for_confirmation_then_queues_only_the_allowed(world, client_for, segment,
                                                                   django_capture_on_commit_callbacks):
    campaign = _draft(world)
    browser = english(client_for(world.owner))
    confirm = browser.get(url(world, "campaign_send", campaign_id=campaign.pk))
    assert confirm.status_code == 200 and "It goes to 2 clients by Email" in confirm.content.decode()
    assert not Message.objects.exists()  # looking at the confirmation sends nothing
    with django_capture_on_commit_callbacks(execute=False):
        response = browser.post(url(world, "campaign_send", campaign_id=campaign.pk))
    assert response["Location"] == url(world, "campaign", campaign_id=campaign.pk)
    queued = Message.objects.filter(campaign=campaign)
    assert sorted(m.recipient for m in queued) == ["ok0@example.test", "ok1@example.test"]
    assert {m.purpose for m in queued} == {MessagePurpose.MARKETING}
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT and campaign.recipient_count == 2
    again = browser.post(url(world, "campaign_send", campaign_id=campaign.pk))
    assert again.status_code == 302 and queued.count() == 2  # a second send queues nothing
    edit = browser.get(url(world, "campaign", campaign_id=campaign.pk))
    assert "name=\"body\"" not in edit.content.decode()  # a sent campaign is not editable


def test_an_sms_campaign_is_refused_while_sms_is_off(world, client_for, segment):
    campaign = _draft(world, channel="sms", subject="")
    browser = english(client_for(world.owner))
    preview = browser.get(url(world, "campaign_preview", campaign_id=campaign.pk)).content.decode()
    assert "SMS is turned off" in preview
    response = browser.post(url(world, "campaign_send", campaign_id=campaign.pk), follow=True)
    assert "Turn on SMS in the message settings first." in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT and not Message.objects.exists()


def test_an_sms_campaign_preview_counts_segments(world, client_for, segment):
    policy = policy_for(world.org)
    policy.sms_enabled, policy.sms_sender = True, "Aurora"
    policy.save()
    _allowed(world, segment["no_email"], "sms")
    campaign = _draft(world, channel="sms", subject="", body="Kevätale! " * 20)
    response = english(client_for(world.owner)).get(url(world, "campaign_preview", campaign_id=campaign.pk))
    assert response.context["recipients"] == 1 and response.context["sms"].segments >= 2
    assert response.context["sms_total"] == response.context["sms"].segments


def test_the_live_status_counts_messages_until_none_is_waiting(world, client_for, segment, smtp_server,
                                                               django_capture_on_commit_callbacks):
    campaign = _draft(world)
    browser = english(client_for(world.owner))
    with django_capture_on_commit_callbacks(execute=False):
        browser.post(url(world, "campaign_send", campaign_id=campaign.pk))
    page = browser.get(url(world, "campaign", campaign_id=campaign.pk)).content.decode()
    assert 'hx-trigger="every 2s"' in page
    status = browser.get(url(world, "campaign_status", campaign_id=campaign.pk), headers={"HX-Request": "true"})
    assert status.status_code == 200 and status.context["delivery"] == [("Waiting", 2)]
    assert 'hx-trigger="every 2s"' in status.content.decode()
    deliver(now=timezone.now() + dt.timedelta(seconds=1))
    assert set(Message.objects.filter(campaign=campaign).values_list("status", flat=True)) == {MessageStatus.SENT}
    done = browser.get(url(world, "campaign_status", campaign_id=campaign.pk), headers={"HX-Request": "true"})
    assert done.status_code == 286  # htmx stops polling
    assert done.context["delivery"] == [("Sent", 2)] and "every 2s" not in done.content.decode()
    assert len(smtp_server.wait_for(2)) == 2


def test_another_organizations_campaign_is_not_found(world, client_for):
    theirs = Campaign.objects.create(organization=world.other_org, name="Promocja", channel="email", subject="S",
                                     body="B")
    browser = client_for(world.owner)
    for name in ("campaign", "campaign_preview", "campaign_send", "campaign_status"):
        assert browser.get(url(world, name, campaign_id=theirs.pk)).status_code == 404, name
    assert browser.post(url(world, "campaign_send", campaign_id=theirs.pk)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == CampaignStatus.DRAFT
