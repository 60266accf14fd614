"""Message configuration is changed only through audited services: what changed is named, a sent
campaign cannot be edited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kernel.audit import Actor
from kernel.models import AuditEvent
from notify.configuration import campaign_save_draft, policy_update, reminder_rule_add, reminder_rule_remove
from notify.models import CampaignStatus, ReminderRule

SYSTEM = Actor.system("test")


@pytest.mark.django_db
def test_policy_and_rules_changes_are_audited_by_field(world):
    policy = policy_update(organization=world.org, actor=SYSTEM, sms_enabled=True, sms_sender="Aurora",
                           quiet_start=dt.time(21))
    assert policy.sms_enabled and policy.sms_sender == "Aurora"
    event = AuditEvent.objects.filter(organization=world.org, object_type="notify.notificationpolicy").last()
    assert event.changed_fields == ["sms_enabled", "sms_sender"]  # quiet_start was already 21:00
    rule = reminder_rule_add(organization=world.org, actor=SYSTEM, hours_before=24, channel="email")
    reminder_rule_remove(rule=rule, actor=SYSTEM)
    assert not ReminderRule.objects.filter(organization=world.org).exists()
    assert [e.action for e in AuditEvent.objects.filter(object_type="notify.reminderrule")] == ["create", "delete"]


@pytest.mark.django_db
def test_a_sent_campaign_cannot_be_changed(world):
    campaign = campaign_save_draft(organization=world.org, actor=SYSTEM, name="Spring", channel="email",
                                   visited_within_days=365, subject="Offer", body="Ten percent off.")
    campaign.status = CampaignStatus.SENT
    campaign.save()
    with pytest.raises(ValidationError):
        campaign_save_draft(organization=world.org, actor=SYSTEM, campaign=campaign, body="Changed")
