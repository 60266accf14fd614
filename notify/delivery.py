"""Delivering the outbox: claim, check, send, record — each message at most once.

Policy (STYLE 6): due messages are claimed in batches by a conditional update (queued ->
sending, with this run's claim token), so any number of workers share the queue without
sending one message twice. Just before sending, a message is checked again against the
client's current choices (a restriction, an objection or an opt-out since it was queued
stops it). The result is written right after each send: sent, queued again with backoff
(a temporary failure), or failed. A worker killed between sending and writing leaves its
message "sending"; after the lease it becomes "interrupted" and is not resent, because
resending might deliver it twice (only an SMS gateway that refuses duplicates by our
reference gets it again); the rest of its claim, never tried, returns to the queue.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.policy
import logging
import smtplib
import uuid
from collections.abc import Iterable
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.mail.message import make_msgid
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from notify.models import Message, MessageChannel, MessagePurpose, MessageStatus
from notify.policy import policy_for, reachable
from tenancy.models import OrganizationStatus

logger = logging.getLogger(__name__)

BATCH = 200
MAX_ATTEMPTS = 6
LEASE = dt.timedelta(minutes=10)


def backoff(attempts: int) -> dt.timedelta:
    """1, 5, 25, 125 minutes, then at most 12 hours between attempts."""
    return dt.timedelta(minutes=min(5 ** max(attempts - 1, 0), 720))


class DeliveryError(Exception):
    def __init__(self, code: str, *, retryable: bool) -> None:
        super().__init__(code)
        self.code, self.retryable = code[:100], retryable


def claim(*, now: dt.datetime, ids: Iterable[int] | None = None, limit: int = BATCH) -> list[Message]:
    token = uuid.uuid4()
    due = Message.objects.filter(status=MessageStatus.QUEUED, next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    pks = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    if not pks:
        return []
    Message.objects.filter(pk__in=pks, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1)
    return list(Message.objects.filter(claim_token=token, status=MessageStatus.SENDING)
                .select_related("organization", "client", "appointment", "campaign").order_by("pk"))


def _skip_reason(message: Message, policies: dict) -> str:
    """Why a claimed message must not go out any more ('' if it may)."""
    from booking.models import AppointmentState

    if message.purpose in (MessagePurpose.TRANSACTIONAL, MessagePurpose.STAFF, MessagePurpose.CONTACT,
                           MessagePurpose.SIGN_IN, MessagePurpose.PRIVACY, MessagePurpose.INVITATION):
        return ""
    if message.organization.status != OrganizationStatus.ACTIVE:
        return "organization_not_active"  # a suspended or ended organization sends no reminders or campaigns
    if message.organization_id not in policies:
        policies[message.organization_id] = policy_for(message.organization)
    if message.client is None or not reachable(message.client, message.channel, purpose=message.purpose,
                                               policy=policies[message.organization_id]):
        return "not_allowed"
    if message.purpose == MessagePurpose.REMINDER:
        appointment = message.appointment
        if appointment is None or appointment.state not in (AppointmentState.BOOKED, AppointmentState.CONFIRMED):
            return "appointment_cancelled"
        if not message.dedupe_key.startswith(f"reminder:{appointment.pk}:{appointment.revision}:"):
            return "rescheduled"
    return ""


class _OutboxEmail(EmailMessage):
    """Header lines up to RFC 5322's 998 characters: a long unsubscribe URL is never folded into an
    encoded word, which mail clients would not read as a link."""

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=998))


def sender_for(organization) -> str:
    """The From of the organization's mail: its own name (the customer booked with it, not with Tilli)
    at the configured sending address; Tilli's own mail (a sign-up's link) goes out as Tilli."""
    return formataddr((organization.name if organization is not None else "Tilli",
                       parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))


class _Mailer:
    """One SMTP connection for a batch, reopened after a failure."""

    def __init__(self) -> None:
        self.connection = None

    def send(self, message: Message) -> str:
        from notify.unsubscribe import unsubscribe_url

        message_id = make_msgid(domain=urlsplit(settings.SITE_URL).hostname or "tilli")
        outgoing = _OutboxEmail(subject=message.subject, body=message.body, to=[message.recipient],
                                from_email=sender_for(message.organization),
                             headers={"Message-ID": message_id},
                             reply_to=[message.reply_to] if message.reply_to else None)
        if message.purpose == MessagePurpose.MARKETING and message.client is not None:
            url = unsubscribe_url(message.client, MessageChannel.EMAIL)
            outgoing.extra_headers.update({"List-Unsubscribe": f"<{url}>",
                                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
        if message.ics:
            outgoing.attach("booking.ics", message.ics.encode(), "text/calendar")
        try:
            if self.connection is None:
                self.connection = mailers.create_connection("default")
                self.connection.open()
            self.connection.send_messages([outgoing])
        except smtplib.SMTPRecipientsRefused:
            raise DeliveryError("recipient_refused", retryable=False) from None
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise DeliveryError(f"smtp_{type(error).__name__}", retryable=True) from None
        return message_id

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None


def _send_sms(message: Message) -> tuple[str, str]:
    from notify.sms import get_transport
    from notify.sms.base import TransportError

    transport = get_transport()
    if transport is None:
        raise DeliveryError("sms_disabled", retryable=False)
    sender = policy_for(message.organization).sms_sender or getattr(settings, "SMS_SENDER", "Tilli")
    try:
        result = transport.send(to=message.recipient, text=message.body, sender=sender, reference=f"m{message.pk}")
    except TransportError as error:
        raise DeliveryError(error.code, retryable=error.retryable) from None
    return result.provider_id, result.response


CONTACT_WIPED = {"recipient": "", "reply_to": None, "subject": "", "body": ""}
# A sign-in or invitation link must not outlive its sending in the outbox, where staff could read and use it.
SIGN_IN_WIPED = {"body": ""}
LINK_PURPOSES = (MessagePurpose.SIGN_IN, MessagePurpose.INVITATION)


def _finish(message: Message, now: dt.datetime, **fields) -> None:
    row = Message.objects.filter(pk=message.pk, claim_token=message.claim_token)
    if message.purpose == MessagePurpose.CONTACT and fields["status"] != MessageStatus.QUEUED:
        # A contact-form message is not kept once its fate is known: sent, the row goes;
        # failed or skipped, it keeps the status but nothing of the sender.
        if fields["status"] == MessageStatus.SENT:
            row.delete()
            return
        fields.update(CONTACT_WIPED)
    if message.purpose in LINK_PURPOSES and fields["status"] != MessageStatus.QUEUED:
        fields.update(SIGN_IN_WIPED)
    row.update(claim_token=None, **fields)


def deliver_batch(messages: list[Message], mailer: _Mailer, now: dt.datetime | None = None) -> dict[str, int]:
    counts = {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}
    policies: dict = {}  # one policy read per organization and batch
    for message in messages:
        now = timezone.now()
        reason = _skip_reason(message, policies)
        if reason:
            _finish(message, now, status=MessageStatus.SKIPPED, error=reason)
            counts["skipped"] += 1
            continue
        try:
            if message.channel == MessageChannel.EMAIL:
                provider_id, response = mailer.send(message), "accepted"
            else:
                provider_id, response = _send_sms(message)
        except DeliveryError as error:
            if error.retryable and message.attempts < MAX_ATTEMPTS:
                _finish(message, now, status=MessageStatus.QUEUED, error=error.code,
                        next_attempt_at=now + backoff(message.attempts))
                counts["retry"] += 1
            else:
                _finish(message, now, status=MessageStatus.FAILED, error=error.code)
                counts["failed"] += 1
            logger.warning("message %s not delivered: %s", message.pk, error.code)
            continue
        _finish(message, now, status=MessageStatus.SENT, sent_at=now, provider_id=provider_id[:100],
                provider_response=response[:200], error="")
        counts["sent"] += 1
    return counts


def recover_interrupted(now: dt.datetime | None = None) -> int:
    """Claims left behind by a stopped worker, once their lease has run out.

    A worker sends its claimed messages in id order and records each result before the next,
    so of a stale claim only the lowest-id message still 'sending' can have been in flight:
    it becomes 'interrupted' and is not resent (it may have gone out), unless it is an SMS
    through a gateway that refuses a duplicate of our reference. The rest were never tried
    and go back to the queue. Returns how many were marked interrupted.
    """
    from notify.sms import get_transport

    now = now or timezone.now()
    stale = Message.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=now - LEASE)
    transport = get_transport()
    safe_sms = transport is not None and getattr(transport, "refuses_duplicates", False)
    interrupted = 0
    for token in set(stale.values_list("claim_token", flat=True)):
        claimed = list(stale.filter(claim_token=token).order_by("pk").values_list("pk", "channel"))
        (first, channel), untouched = claimed[0], [pk for pk, _ in claimed[1:]]
        Message.objects.filter(pk__in=untouched).update(status=MessageStatus.QUEUED, claim_token=None,
                                                        attempts=F("attempts") - 1)
        if channel == MessageChannel.SMS and safe_sms:
            Message.objects.filter(pk=first).update(status=MessageStatus.QUEUED, claim_token=None,
                                                    error="requeued_after_interruption")
        else:
            interrupted += Message.objects.filter(pk=first).update(status=MessageStatus.INTERRUPTED,
                                                                   claim_token=None, error="worker_stopped")
            Message.objects.filter(pk=first, purpose=MessagePurpose.CONTACT).update(**CONTACT_WIPED)
            Message.objects.filter(pk=first, purpose__in=LINK_PURPOSES).update(**SIGN_IN_WIPED)
    return interrupted


def deliver(*, ids: Iterable[int] | None = None, now: dt.datetime | None = None, limit: int | None = None,
            progress=None) -> dict[str, int]:
    """Deliver what is due (or the given messages), batch after batch, until nothing is left."""
    totals = {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}
    mailer = _Mailer()
    ids = list(ids) if ids is not None else None
    try:
        while True:
            batch = claim(now=now or timezone.now(), ids=ids, limit=BATCH if limit is None else min(BATCH, limit))
            if not batch:
                break
            for key, value in deliver_batch(batch, mailer).items():
                totals[key] += value
            if progress:
                progress(len(batch))
            if limit is not None:
                limit -= len(batch)
                if limit <= 0:
                    break
    finally:
        mailer.close()
    return totals


@task
def deliver_outbox() -> dict[str, int]:
    """The worker's delivery run: after each enqueue (notify.outbox.deliver_soon) and every minute."""
    interrupted = recover_interrupted()
    return {**deliver(), "interrupted": interrupted}
