"""Writes to an organization's message configuration: sending policy, reminder rules, its own
wording, campaign drafts. One function per action, each audited in its transaction, so the
panel (and later the API) change settings only through here.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from kernel.audit import Actor, record
from kernel.models import AuditAction
from notify.models import Campaign, CampaignStatus, MessageChannel, MessageTemplate, NotificationPolicy, ReminderRule
from notify.policy import policy_for
from notify.wording import check_wording

POLICY_FIELDS = ("sms_enabled", "sms_sender", "quiet_start", "quiet_end", "notify_staff_of_online_bookings")
CAMPAIGN_FIELDS = ("name", "channel", "visited_within_days", "subject", "body")


def _apply(obj, values: dict[str, Any], allowed: tuple[str, ...]) -> list[str]:
    changed = [name for name in allowed if name in values and getattr(obj, name) != values[name]]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


@transaction.atomic
def policy_update(*, organization, actor: Actor, **values: Any) -> NotificationPolicy:
    policy = policy_for(organization)
    changed = _apply(policy, values, POLICY_FIELDS)
    if changed:
        policy.save()
        record(organization=organization, actor=actor, action=AuditAction.UPDATE, obj=policy,
               changed_fields=changed)
    return policy


def _rule_detail(rule: ReminderRule) -> dict[str, Any]:
    return {"hours_before": rule.hours_before, "channel": rule.channel, "service": rule.service_id}


@transaction.atomic
def reminder_rule_add(*, organization, actor: Actor, hours_before: int, channel: str, service=None) -> ReminderRule:
    """Bookings made (or moved) from now on get the reminder."""
    rule = ReminderRule.objects.create(organization=organization, hours_before=hours_before, channel=channel,
                                       service=service)
    record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=rule, detail=_rule_detail(rule))
    return rule


@transaction.atomic
def reminder_rule_remove(*, rule: ReminderRule, actor: Actor) -> None:
    record(organization=rule.organization, actor=actor, action=AuditAction.DELETE, obj=rule,
           detail=_rule_detail(rule))
    rule.delete()


@transaction.atomic
def template_save(*, organization, actor: Actor, kind: str, channel: str, language: str, subject: str,
                  body: str) -> MessageTemplate:
    """The organization's own wording: plain text whose placeholders the kind offers (else ValidationError)."""
    subject = subject if channel == MessageChannel.EMAIL else ""
    for text in (subject, body):
        check_wording(text, kind)
    template, created = MessageTemplate.objects.update_or_create(
        organization=organization, kind=kind, channel=channel, language=language,
        defaults={"subject": subject, "body": body})
    record(organization=organization, actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE,
           obj=template, changed_fields=["subject", "body"] if channel == MessageChannel.EMAIL else ["body"])
    return template


@transaction.atomic
def template_reset(*, template: MessageTemplate, actor: Actor) -> None:
    """Back to Tilli's wording."""
    record(organization=template.organization, actor=actor, action=AuditAction.DELETE, obj=template)
    template.delete()


@transaction.atomic
def campaign_save_draft(*, organization, actor: Actor, campaign: Campaign | None = None, **values: Any) -> Campaign:
    """Create or change a draft; a sent campaign is never changed."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    created = campaign is None or campaign.pk is None
    if created:
        campaign = Campaign(organization=organization, created_by_user_id=actor.user_id)
    elif campaign.status != CampaignStatus.DRAFT:
        raise ValidationError(_("This campaign has already been sent."), code="already_sent")
    changed = _apply(campaign, values, CAMPAIGN_FIELDS)
    campaign.full_clean(exclude=["organization"])
    campaign.save()
    record(organization=organization, actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE,
           obj=campaign, changed_fields=changed)
    return campaign
