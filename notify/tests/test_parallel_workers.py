"""Four task workers (real `manage.py db_worker` processes) share one outbox of 10,000 messages on
PostgreSQL, and a real SMTP server on loopback receives each message exactly once.

Slow (about a minute on the 2-core reference machine, more when it is busy), so it runs once in CI: on
PostgreSQL (`make test-postgres`), where several workers on one database is the production shape. On
SQLite it is skipped. Prints the rate (messages per second) for docs/scaling.md.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections import Counter
from email.parser import BytesHeaderParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from notify.delivery import deliver_outbox
from notify.models import Message, MessageChannel, MessagePurpose, MessageStatus
from notify.tests.test_worker_kill import _database_url
from tilli.test import free_port, make_client

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 10_000
WORKERS = 4

pytestmark = [pytest.mark.scale, pytest.mark.django_db(transaction=True)]


class CountingInbox:
    """Counts the Message-ID of every message the SMTP server accepts (headers only: cheap)."""

    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()

    async def handle_DATA(self, server, session, envelope):
        self.ids[BytesHeaderParser().parsebytes(envelope.content)["Message-ID"]] += 1
        return "250 OK"


def _worker(port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "tilli.settings_test",
           "TASKS_BACKEND": "django_tasks_db.DatabaseBackend", "MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1",
           "SMTP_PORT": str(port)}
    return subprocess.Popen([sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay",
                             "--interval", "0.1", "--no-reload"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_four_workers_deliver_ten_thousand_messages_each_exactly_once(world, caplog):
    if connection.vendor != "postgresql":
        pytest.skip("runs once in CI, on PostgreSQL (make test-postgres): several workers on one database")
    client = make_client(world.org, email="many@example.test")
    now = timezone.now()
    Message.objects.bulk_create([
        Message(organization=world.org, client=client, purpose=MessagePurpose.TRANSACTIONAL, kind="confirmed",
                channel=MessageChannel.EMAIL, recipient=client.email, language="fi", subject=f"message {n}",
                body="Hei", dedupe_key=f"parallel-{n}", next_attempt_at=now) for n in range(MESSAGES)],
        batch_size=2000)
    for _ in range(WORKERS):  # one delivery run for each worker: they compete for the same queue
        deliver_outbox.enqueue()
    caplog.set_level(logging.WARNING, logger="mail.log")  # aiosmtpd logs every command at INFO
    inbox, port = CountingInbox(), free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    started = time.monotonic()
    workers = [_worker(port) for _ in range(WORKERS)]
    try:
        for worker in workers:
            assert worker.wait(timeout=600) == 0
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        server.stop()
    elapsed = time.monotonic() - started
    print(f"\n{MESSAGES} messages by {WORKERS} db_worker processes in {elapsed:.1f} s: "
          f"{MESSAGES / elapsed:.0f} messages/s (worker start-up included)")

    assert len(inbox.ids) == MESSAGES and set(inbox.ids.values()) == {1}, "a message was lost or sent twice"
    assert Counter(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT: MESSAGES}
    # Every message recorded as sent is the one that arrived, under its own Message-ID.
    assert set(Message.objects.values_list("provider_id", flat=True)) == set(inbox.ids)
    runs = list(DBTaskResult.objects.filter(task_path=deliver_outbox.module_path))
    assert len(runs) == WORKERS and all(run.status == TaskResultStatus.SUCCESSFUL for run in runs)
    sent = [run.return_value["sent"] for run in runs]
    print(f"sent per delivery run: {sorted(sent, reverse=True)}")
    assert sum(sent) == MESSAGES
    assert sum(1 for n in sent if n) >= 2, "the workers did not share the queue"
