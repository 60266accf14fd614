"""Background work of operations: the worker's heartbeat and the daily backup."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone


@task
def heartbeat() -> dict[str, str]:
    """Enqueued every minute by the scheduler; when the worker runs it, both are shown alive (see ops.health)."""
    from ops.models import Heartbeat
    from ops.selectors import WORKER

    now = timezone.now()
    Heartbeat.objects.update_or_create(name=WORKER, defaults={"beat_at": now})
    return {"beat_at": now.isoformat()}


@task
def backup() -> dict[str, str | int]:
    """The daily backup (scheduled only when BACKUP_KEY is set; /readyz reports when it last succeeded)."""
    from ops.backup.service import backup_create

    run = backup_create()
    return {"name": run.name, "size": run.size}
