"""The owner's message settings: sending policy and reminder rules; who may open the message pages."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.models import AuditAction, AuditEvent
from notify.models import MessageChannel, MessageTemplate, NotificationPolicy, ReminderRule
from notify.policy import policy_for
from tilli.test import make_bookable
from web.tests.messages_helpers import english, url

OWNER_PAGES = ["message_settings", "message_templates", "outbox", "campaigns", "campaign_new"]


@pytest.mark.parametrize("role", ["practitioner", "reception", "accountant"])
def test_only_the_owner_sees_the_message_pages(world, client_for, role):
    browser = client_for(world.member(role))
    for name in OWNER_PAGES:
        assert browser.get(url(world, name)).status_code == 404, name
    edit = url(world, "message_template_edit") + "?kind=reminder&channel=sms&language=fi"
    assert browser.get(edit).status_code == 404
    assert "Messages" not in english(browser).get(url(world, "dashboard")).content.decode().split("<main")[0]


def test_the_owner_finds_the_message_pages_in_the_menu(world, client_for):
    browser = english(client_for(world.owner))
    menu = browser.get(url(world, "dashboard")).content.decode().split("<main")[0]
    assert url(world, "message_settings") in menu
    for name in OWNER_PAGES:
        assert browser.get(url(world, name)).status_code == 200, name


def test_the_owner_turns_on_sms_with_a_valid_sender_and_quiet_hours(world, client_for):
    browser = english(client_for(world.owner))
    data = {"policy-sms_enabled": "on", "policy-sms_sender": "Aurora", "policy-quiet_start": "20:30",
            "policy-quiet_end": "09:00", "save_policy": "1"}
    response = browser.post(url(world, "message_settings"), data)
    assert response.status_code == 302
    policy = NotificationPolicy.objects.get(organization=world.org)
    assert policy.sms_enabled and policy.sms_sender == "Aurora"
    assert (policy.quiet_start, policy.quiet_end) == (dt.time(20, 30), dt.time(9))
    assert not policy.notify_staff_of_online_bookings  # the unticked box
    event = AuditEvent.objects.for_organization(world.org).filter(object_type="notify.notificationpolicy").last()
    assert event.action == AuditAction.UPDATE and "sms_sender" in event.changed_fields


@pytest.mark.parametrize("sender", ["Salon Äänekoski", "Way too long name", "Salon-Aurora"])
def test_an_invalid_sender_name_is_refused(world, client_for, sender):
    browser = english(client_for(world.owner))
    response = browser.post(url(world, "message_settings"), {
        "policy-sms_enabled": "on", "policy-sms_sender": sender, "policy-quiet_start": "21:00",
        "policy-quiet_end": "08:00", "save_policy": "1"})
    assert response.status_code == 200
    assert "Use up to 11 letters" in response.content.decode() or "at most 11" in response.content.decode()
    assert not policy_for(world.org).sms_enabled


def test_sms_needs_a_sender_name(world, client_for):
    browser = english(client_for(world.owner))
    response = browser.post(url(world, "message_settings"), {
        "policy-sms_enabled": "on", "policy-sms_sender": "", "policy-quiet_start": "21:00",
        "policy-quiet_end": "08:00", "save_policy": "1"})
    assert "Give the name the SMS messages come from." in response.content.decode()


def test_the_owner_adds_and_removes_default_and_per_service_reminders(world, client_for):
    _, _, service = make_bookable(world.org, world.practitioner)
    browser = english(client_for(world.owner))
    page = url(world, "message_settings")
    assert browser.post(page, {"rule-hours_before": "24", "rule-channel": "email", "add_rule": "1"}).status_code == 302
    assert browser.post(page, {"rule-service": service.pk, "rule-hours_before": "2", "rule-channel": "sms",
                               "add_rule": "1"}).status_code == 302
    default = ReminderRule.objects.get(organization=world.org, service=None)
    own = ReminderRule.objects.get(organization=world.org, service=service)
    assert (default.hours_before, default.channel) == (24, MessageChannel.EMAIL)
    assert (own.hours_before, own.channel) == (2, MessageChannel.SMS)
    html = browser.get(page).content.decode()
    assert service.name in html and "SMS is turned off" in html

    duplicate = browser.post(page, {"rule-hours_before": "24", "rule-channel": "email", "add_rule": "1"})
    assert "This reminder exists already." in duplicate.content.decode()
    too_far = browser.post(page, {"rule-hours_before": "200", "rule-channel": "email", "add_rule": "1"})
    assert too_far.status_code == 200 and ReminderRule.objects.filter(organization=world.org).count() == 2

    assert browser.post(url(world, "reminder_rule_delete", rule_id=own.pk)).status_code == 302
    assert list(ReminderRule.objects.filter(organization=world.org)) == [default]
    actions = set(AuditEvent.objects.for_organization(world.org).filter(object_type="notify.reminderrule")
                  .values_list("action", flat=True))
    assert actions == {AuditAction.CREATE, AuditAction.DELETE}


def test_a_service_of_another_organization_cannot_be_chosen(world, client_for):
    _, _, foreign = make_bookable(world.other_org, world.outsider)
    browser = english(client_for(world.owner))
    response = browser.post(url(world, "message_settings"), {"rule-service": foreign.pk, "rule-hours_before": "3",
                                                             "rule-channel": "email", "add_rule": "1"})
    assert response.status_code == 200 and not ReminderRule.objects.exists()


def test_another_organizations_rule_and_template_are_not_found(world, client_for):
    rule = ReminderRule.objects.create(organization=world.other_org, hours_before=5, channel="email")
    template = MessageTemplate.objects.create(organization=world.other_org, kind="reminder", channel="sms",
                                              language="pl", body="Przypomnienie")
    browser = client_for(world.owner)
    assert browser.post(url(world, "reminder_rule_delete", rule_id=rule.pk)).status_code == 404
    assert browser.post(url(world, "message_template_reset", template_id=template.pk)).status_code == 404
    assert ReminderRule.objects.filter(pk=rule.pk).exists() and MessageTemplate.objects.filter(pk=template.pk).exists()
