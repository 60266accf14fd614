"""Periodic jobs: which task runs how often, and enqueuing each once when it is due.

django.tasks has no scheduler, so `manage.py scheduler` calls `enqueue_due()` every
minute. Each job is claimed with a conditional update of its `next_run_at`, so any
number of schedulers (one per server) enqueue a due job exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import import_string

from kernel.models import PeriodicJob


@dataclass(frozen=True)
class Schedule:
    task: Task
    every: timedelta


def schedules() -> dict[str, Schedule]:
    """Every installed app's periodic jobs, by name."""
    found: dict[str, Schedule] = {}
    for config in apps.get_app_configs():
        for job in getattr(config, "periodic_jobs", ()):
            if job.only_if_setting is None or getattr(settings, job.only_if_setting):
                found[job.name] = Schedule(import_string(job.task), job.every)
    return found


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
