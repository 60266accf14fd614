"""A delivery worker killed in the middle of a batch and started again never sends a message twice,
and leaves nothing behind but at most the one message that was in flight."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from notify.delivery import LEASE, recover_interrupted
from notify.models import Message, MessageChannel, MessagePurpose, MessageStatus
from tilli.test import free_port, make_client

ROOT = Path(__file__).resolve().parents[2]


class SlowInbox:
    """A real SMTP server that takes its time, so the worker can be killed mid-batch."""

    def __init__(self) -> None:
        self.received: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.03)
        self.received.append(message_from_bytes(envelope.content)["Subject"])
        return "250 OK"


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return (f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:{settings['PORT']}/"
            f"{settings['NAME']}")


def _worker(port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "tilli.settings_test",
           "MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port)}
    return subprocess.Popen([sys.executable, "manage.py", "deliver_outbox", "--verbosity", "0"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_and_restarted_sends_each_message_at_most_once(world):
    client = make_client(world.org, email="many@example.test")
    now = timezone.now()
    count = 80
    Message.objects.bulk_create([
        Message(organization=world.org, client=client, purpose=MessagePurpose.TRANSACTIONAL, kind="confirmed",
                channel=MessageChannel.EMAIL, recipient=client.email, language="fi", subject=f"message {n}",
                body="Hei", dedupe_key=f"kill-{n}", next_attempt_at=now) for n in range(count)])
    inbox, port = SlowInbox(), free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        worker = _worker(port)
        deadline = time.monotonic() + 60
        while len(inbox.received) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(worker.pid, signal.SIGKILL)  # no chance to clean up
        worker.wait(timeout=10)
        assert 20 <= len(inbox.received) < count, "the worker must die mid-batch"
        assert Message.objects.filter(status=MessageStatus.SENDING).exists()

        # The lease runs out; the next worker run (here: the scheduler's) recovers and finishes the queue.
        assert recover_interrupted(now=timezone.now() + LEASE + dt.timedelta(seconds=1)) <= 1
        restarted = _worker(port)
        assert restarted.wait(timeout=60) == 0
    finally:
        server.stop()

    times = Counter(inbox.received)
    assert max(times.values()) == 1, "a message was sent twice"
    statuses = Counter(Message.objects.values_list("status", flat=True))
    assert statuses[MessageStatus.SENT] + statuses[MessageStatus.INTERRUPTED] == count
    assert statuses[MessageStatus.INTERRUPTED] <= 1
    sent_subjects = set(Message.objects.filter(status=MessageStatus.SENT).values_list("subject", flat=True))
    assert sent_subjects <= set(times)  # everything recorded as sent really arrived
    assert len(times) - len(sent_subjects) <= statuses[MessageStatus.INTERRUPTED]  # at most the one in flight
