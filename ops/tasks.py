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
