"""Shared helpers of the message page tests."""

from __future__ import annotations

import datetime as dt
import itertools

from django.urls import reverse
from django.utils import timezone

from kernel.audit import Actor
from notify.models import Message, MessageChannel, MessagePurpose, MessageStatus

SYSTEM = Actor.system("test")
_keys = itertools.count(1)


def url(world, name: str, **kwargs) -> str:
    return reverse(f"web:{name}", kwargs={"org_slug": world.org.slug, **kwargs})


def english(browser):
    browser.cookies["django_language"] = "en"
    return browser


def make_message(organization, client=None, *, purpose=MessagePurpose.REMINDER, kind="reminder",
                 channel=MessageChannel.EMAIL, status=MessageStatus.SENT, recipient="", subject="", body="",
                 **fields) -> Message:
    now = timezone.now()
    if not recipient and client is not None:
        recipient = client.email if channel == MessageChannel.EMAIL else client.phone
    return Message.objects.create(
        organization=organization, client=client, purpose=purpose, kind=kind, channel=channel,
        recipient=recipient or "someone@example.test", language="en", subject=subject, body=body or "Hello",
        status=status, next_attempt_at=fields.pop("next_attempt_at", now - dt.timedelta(minutes=5)),
        sent_at=now if status == MessageStatus.SENT else None, dedupe_key=f"test:{next(_keys)}", **fields)
