"""The few installation-wide figures the probes and the metrics read. Counts only: no tenant, no person."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from notify.models import Message, MessageStatus
from ops.models import BackupRun, Heartbeat

WORKER = "worker"  # written by the `ops.heartbeat` task, which only the scheduler enqueues


def heartbeat_at(name: str = WORKER) -> dt.datetime | None:
    return Heartbeat.objects.filter(name=name).values_list("beat_at", flat=True).first()


def outbox_backlog(now: dt.datetime | None = None) -> int:
    """Messages waiting to be sent whose time has come."""
    now = now or timezone.now()
    return Message.objects.filter(status=MessageStatus.QUEUED, next_attempt_at__lte=now).count()


def message_counts() -> dict[tuple[str, str], int]:
    """(status, channel) → messages; the failed ones are the deliveries that gave up."""
    rows = Message.objects.values_list("status", "channel").annotate(n=Count("id")).order_by()
    return {(status, channel): n for status, channel, n in rows}


def due_tasks(now: dt.datetime | None = None) -> tuple[int, float | None]:
    """(tasks ready to run, seconds the longest-waiting one has waited since it became due)."""
    now = now or timezone.now()
    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    undelayed = ready.filter(run_after=get_date_max())
    delayed = ready.filter(run_after__lte=now).exclude(run_after=get_date_max())
    since = [value for value in (undelayed.aggregate(t=Min("enqueued_at"))["t"],
                                 delayed.aggregate(t=Min("run_after"))["t"]) if value is not None]
    count = undelayed.count() + delayed.count()
    return count, (max((now - min(since)).total_seconds(), 0.0) if since else None)


def last_good_backup() -> BackupRun | None:
    return BackupRun.objects.filter(ok=True).order_by("-finished_at").first()
