"""Marketing campaigns: a segment, the clients in it who may receive the channel, and sending.

The preview says how many will get the message and why each of the others will not (no
permission for the channel, objected to marketing, processing restricted, no address). The
same rules are checked again when each message is delivered.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.audit import Actor, record
from kernel.models import AuditAction
from notify.models import Campaign, CampaignStatus, MessageChannel, MessagePurpose

REASONS = {
    "no_permission": gettext_lazy("has not allowed this channel"),
    "objected": gettext_lazy("objected to direct marketing"),
    "restricted": gettext_lazy("processing is restricted"),
    "no_address": gettext_lazy("has no address for this channel"),
}


@dataclass
class Audience:
    recipients: list = field(default_factory=list)
    excluded: Counter = field(default_factory=Counter)

    @property
    def segment_size(self) -> int:
        return len(self.recipients) + sum(self.excluded.values())

    def reasons(self) -> list[tuple[str, int]]:
        return [(str(REASONS[code]), count) for code, count in self.excluded.most_common()]


def segment(campaign: Campaign, now: dt.datetime | None = None):
    """Clients of the organization who visited (a visit, or a completed appointment) within the period."""
    from booking.models import Appointment, AppointmentState
    from clients.models import Client, Visit

    since = (now or timezone.now()) - dt.timedelta(days=campaign.visited_within_days)
    visited = Visit.objects.filter(client=OuterRef("pk"), visited_at__gte=since)
    completed = Appointment.objects.filter(client=OuterRef("pk"), state=AppointmentState.COMPLETED, start__gte=since)
    return (Client.objects.for_organization(campaign.organization)
            .filter(Q(Exists(visited)) | Q(Exists(completed))).order_by("pk"))


def _reason(client, channel: str) -> str:
    """The same rules as clients.services.marketing_allowed, on a row that carries its latest consent."""
    if client.is_restricted:
        return "restricted"
    if client.marketing_objection_at is not None:
        return "objected"
    if not (client.email if channel == MessageChannel.EMAIL else client.phone):
        return "no_address"
    if not client.latest_consent:
        return "no_permission"
    return ""


def audience(campaign: Campaign, now: dt.datetime | None = None) -> Audience:
    from clients.models import MarketingConsent

    latest = (MarketingConsent.objects.filter(client=OuterRef("pk"), channel=campaign.channel)
              .order_by("-recorded_at", "-pk").values("granted")[:1])
    result = Audience()
    for client in segment(campaign, now).annotate(latest_consent=Subquery(latest)):
        reason = _reason(client, campaign.channel)
        if reason:
            result.excluded[reason] += 1
        else:
            result.recipients.append(client)
    return result


def render_campaign(campaign: Campaign, client) -> tuple[str, str]:
    from notify.services import client_language
    from notify.unsubscribe import unsubscribe_url

    with translation.override(client_language(client)):
        body = render_to_string(f"notify/default/marketing.{campaign.channel}.txt", {
            "body": campaign.body.strip(), "organization": campaign.organization,
            "unsubscribe_url": unsubscribe_url(client, campaign.channel)})
    return campaign.subject, body.strip()


@transaction.atomic
def campaign_send(*, campaign: Campaign, actor: Actor, now: dt.datetime | None = None) -> int:
    """Queue one message per recipient (once: sending twice queues nothing more); returns how many."""
    from notify.outbox import deliver_soon, enqueue
    from notify.policy import policy_for
    from notify.services import client_language

    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != CampaignStatus.DRAFT:
        raise ValidationError(_("This campaign has already been sent."), code="already_sent")
    if not campaign.body.strip() or (campaign.channel == MessageChannel.EMAIL and not campaign.subject.strip()):
        raise ValidationError(_("Write the subject and the text first."), code="empty")
    if campaign.channel == MessageChannel.SMS and not policy_for(campaign.organization).sms_enabled:
        raise ValidationError(_("Turn on SMS in the message settings first."), code="sms_disabled")
    now = now or timezone.now()
    queued = 0
    for client in audience(campaign, now).recipients:
        subject, body = render_campaign(campaign, client)
        if enqueue(organization=campaign.organization, client=client, campaign=campaign, channel=campaign.channel,
                  purpose=MessagePurpose.MARKETING, kind="marketing",
                  recipient=client.email if campaign.channel == MessageChannel.EMAIL else client.phone,
                  language=client_language(client), subject=subject, body=body,
                  dedupe_key=f"campaign:{campaign.pk}:{client.pk}", send_at=now, deliver=False):
            queued += 1
    campaign.status, campaign.sent_at, campaign.recipient_count = CampaignStatus.SENT, now, queued
    campaign.save(update_fields=["status", "sent_at", "recipient_count"])
    record(organization=campaign.organization, actor=actor, action=AuditAction.CREATE, obj=campaign,
           detail={"recipients": queued, "channel": campaign.channel})
    if queued:
        deliver_soon()  # one delivery run for all of them, committed with them
    return queued
