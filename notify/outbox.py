"""The one outbox: every email and SMS Tilli sends is a `Message` row queued here and sent by the worker.

Booking messages, reminders, campaigns, portal sign-in links, staff invitations, data-subject request
letters, breach notices, contact-form relays, sub-processor notices and the owners' request digest
all come through `enqueue`; only `notify.delivery` talks to a mail server or an SMS gateway, and only
in the worker (`deliver_outbox`), never in a web request or inside a transaction.

`enqueue` writes the row in the caller's transaction and, for a message due now, enqueues the
delivery task in that same transaction: both commit with the change that caused them or neither
does, and a crash after the commit leaves them for the worker (and the scheduler's every-minute
run). A message is queued once per dedupe key, so a caller that runs twice queues nothing more.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from notify.delivery import deliver_outbox
from notify.models import Message, MessageChannel


def enqueue(*, organization, channel: str, purpose: str, kind: str, recipient: str, language: str, subject: str,
            body: str, dedupe_key: str, send_at: dt.datetime | None = None, client=None, appointment=None,
            campaign=None, ics: str = "", reply_to: str | None = None, deliver: bool = True) -> Message | None:
    """Queue one message unless one with the same key exists; returns the new row or None.

    With `deliver` (the default) a message due now also gets its delivery task; a caller queuing
    many messages passes False and calls `deliver_soon()` once.
    """
    from notify.sms.encoding import sms_parts

    send_at = send_at or timezone.now()
    try:
        with transaction.atomic():
            message = Message.objects.create(
                organization=organization, client=client, appointment=appointment, campaign=campaign,
                purpose=purpose, kind=kind, channel=channel, recipient=recipient, language=language,
                subject=subject[:300], body=body, ics=ics, dedupe_key=dedupe_key[:120], next_attempt_at=send_at,
                reply_to=reply_to, segments=sms_parts(body).segments if channel == MessageChannel.SMS else 0)
    except IntegrityError:
        return None
    if deliver and send_at <= timezone.now():
        deliver_soon()
    return message


def deliver_soon() -> None:
    """Enqueue the worker's delivery run in the caller's transaction (durable with the messages)."""
    deliver_outbox.enqueue()
