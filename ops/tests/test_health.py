"""/healthz answers without the database; /readyz answers 503, naming the check, whenever one fails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kernel.scheduling import enqueue_due
from notify.models import Message, MessageChannel, MessagePurpose
from ops.models import BackupRun, Heartbeat
from ops.tasks import heartbeat
from tilli.test import make_client


def _readyz() -> tuple[int, dict]:
    response = Client().get("/readyz")
    return response.status_code, response.json()


def _failing(body: dict) -> list[str]:
    return sorted(name for name, check in body["checks"].items() if not check["ok"])


def test_healthz_answers_without_touching_the_database(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_a_ready_installation_answers_200_with_every_check(ready):
    status, body = _readyz()
    assert status == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "worker_heartbeat", "outbox_backlog",
                                   "oldest_due_task", "last_backup"}


@pytest.mark.django_db(transaction=True)  # the connection is closed and reopened: no test transaction around it
def test_an_unreachable_database_fails_readiness():
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent/directory/tilli.sqlite3"
    else:
        connection.settings_dict["PORT"] = "1"
    try:
        status, body = _readyz()
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert status == 503
    assert body == {"status": "fail", "checks": {"database": {"ok": False, "value": None, "limit": None}}}


def test_an_unapplied_migration_fails_readiness(ready):
    MigrationRecorder.Migration.objects.filter(app="ops").delete()
    status, body = _readyz()
    assert status == 503 and _failing(body) == ["migrations"]
    assert body["checks"]["migrations"]["value"] >= 1


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens connections, as it does in production
def test_the_worker_heartbeat_comes_from_the_task_the_scheduler_enqueues(ready):
    Heartbeat.objects.all().delete()
    status, body = _readyz()
    assert status == 503 and _failing(body) == ["worker_heartbeat"]

    assert "ops.heartbeat" in enqueue_due()
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    assert DBTaskResult.objects.get(task_path=heartbeat.module_path).status == "SUCCESSFUL"
    status, body = _readyz()
    assert status == 200, body


def test_a_stale_heartbeat_fails_readiness(ready):
    Heartbeat.objects.update(beat_at=ready - dt.timedelta(seconds=301))
    status, body = _readyz()
    assert status == 503 and _failing(body) == ["worker_heartbeat"]
    assert body["checks"]["worker_heartbeat"]["limit"] == 300


def test_an_outbox_backlog_over_the_threshold_fails_readiness(ready, world):
    client = make_client(world.org, email="backlog@example.test")
    for n in range(3):
        Message.objects.create(organization=world.org, client=client, purpose=MessagePurpose.TRANSACTIONAL,
                               kind="confirmed", channel=MessageChannel.EMAIL, recipient=client.email, language="fi",
                               subject="S", body="B", dedupe_key=f"backlog-{n}", next_attempt_at=timezone.now())
    status, body = _readyz()
    assert status == 503 and _failing(body) == ["outbox_backlog"]
    assert body["checks"]["outbox_backlog"] == {"ok": False, "value": 3, "limit": 2}
    assert "backlog@example.test" not in str(body)


def test_a_task_waiting_too_long_fails_readiness(ready):
    result = heartbeat.enqueue()
    status, _ = _readyz()
    assert status == 200  # just enqueued
    DBTaskResult.objects.filter(pk=result.id).update(enqueued_at=timezone.now() - dt.timedelta(seconds=700))
    status, body = _readyz()
    assert status == 503 and _failing(body) == ["oldest_due_task"]
    assert body["checks"]["oldest_due_task"]["value"] >= 700


@pytest.mark.parametrize("age_hours", [None, 27])
def test_no_recent_good_backup_fails_readiness(ready, age_hours):
    BackupRun.objects.all().delete()
    if age_hours is not None:
        at = ready - dt.timedelta(hours=age_hours)
        BackupRun.objects.create(name="old", started_at=at, finished_at=at, ok=True)
    BackupRun.objects.create(name="failed", started_at=ready, finished_at=ready, ok=False, error="OSError")
    status, body = _readyz()
    assert status == 503 and _failing(body) == ["last_backup"]


def test_the_backup_check_can_be_left_out_in_development(ready, settings):
    BackupRun.objects.all().delete()
    settings.HEALTH_BACKUP_MAX_AGE_HOURS = 0
    status, body = _readyz()
    assert status == 200 and "last_backup" not in body["checks"]


def test_probes_answer_head_and_plain_http_while_the_rest_redirects_to_https(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert Client().head("/healthz").status_code == 200
    assert Client().get("/healthz").status_code == 200
    assert Client().get("/readyz").status_code in (200, 503)
    assert Client().get("/metrics").status_code == 301
