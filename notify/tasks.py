"""Background delivery of the outbox (every minute by the scheduler, and on demand)."""

from __future__ import annotations

from django.tasks import task


@task
def deliver_outbox() -> dict[str, int]:
    from notify.delivery import deliver, recover_interrupted

    interrupted = recover_interrupted()
    return {**deliver(), "interrupted": interrupted}
