"""Periodic jobs: which task runs how often, and enqueuing each once when it is due.

django.tasks has no scheduler, so `manage.py scheduler` calls `enqueue_due()` every
minute. Each job is claimed with a conditional update of its `next_run_at`, so any
number of schedulers (one per server) enqueue a due job exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.tasks import Task
from django.utils import timezone

from privacy.models import PeriodicJob


@dataclass(frozen=True)
class Schedule:
    task: Task
    every: timedelta


def schedules() -> dict[str, Schedule]:
    from accounts.tasks import purge_invitations, purge_security_log
    from clients.tasks import purge_pending_imports
    from notify.tasks import deliver_outbox, deliver_webhooks
    from ops.tasks import backup, heartbeat
    from privacy.tasks import apply_retention, send_request_digest
    from tenancy.tasks import purge_rate_counters
    from tilli.tasks import dispatch_events, purge_events

    return {
        "accounts.purge_security_log": Schedule(purge_security_log, timedelta(hours=6)),
        "accounts.purge_invitations": Schedule(purge_invitations, timedelta(days=1)),
        "privacy.apply_retention": Schedule(apply_retention, timedelta(days=1)),
        "privacy.send_request_digest": Schedule(send_request_digest, timedelta(days=1)),
        "notify.deliver_outbox": Schedule(deliver_outbox, timedelta(minutes=1)),
        "notify.deliver_webhooks": Schedule(deliver_webhooks, timedelta(minutes=1)),
        "clients.purge_pending_imports": Schedule(purge_pending_imports, timedelta(minutes=5)),
        "tenancy.purge_rate_counters": Schedule(purge_rate_counters, timedelta(hours=1)),
        "ops.heartbeat": Schedule(heartbeat, timedelta(minutes=1)),
        **({"ops.backup": Schedule(backup, timedelta(days=1))} if settings.BACKUP_KEYS else {}),
        "tilli.dispatch_events": Schedule(dispatch_events, timedelta(minutes=1)),  # retries after a failure
        "tilli.purge_events": Schedule(purge_events, timedelta(days=1)),
    }


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue every job whose time has come; returns the names enqueued."""
    now = now or timezone.now()
    enqueued = []
    for name, schedule in schedules().items():
        job, _ = PeriodicJob.objects.get_or_create(name=name, defaults={"next_run_at": now})
        if job.next_run_at > now:
            continue
        claimed = PeriodicJob.objects.filter(pk=job.pk, next_run_at=job.next_run_at).update(
            next_run_at=now + schedule.every, last_enqueued_at=now)
        if claimed:
            schedule.task.enqueue()
            enqueued.append(name)
    return enqueued
