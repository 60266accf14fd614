"""Fixtures for the probes: a ready installation (worker alive, a fresh backup) to break one check at a time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ops import health
from ops.models import BackupRun, Heartbeat


@pytest.fixture
def ready(db, settings):
    settings.HEALTH_HEARTBEAT_MAX_AGE_SECONDS = 300
    settings.HEALTH_OUTBOX_MAX_BACKLOG = 2
    settings.HEALTH_TASK_MAX_AGE_SECONDS = 600
    settings.HEALTH_BACKUP_MAX_AGE_HOURS = 26
    now = timezone.now()
    Heartbeat.objects.create(name="worker", beat_at=now)
    BackupRun.objects.create(name="tilli-test", started_at=now - dt.timedelta(minutes=1), finished_at=now, ok=True)
    health._migrations_applied = False  # each test reads the migration state afresh
    yield now
    health._migrations_applied = False
