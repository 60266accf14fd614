"""Background work of the event kernel: dispatching deliveries and pruning the event log."""

from __future__ import annotations

from django.tasks import task


@task
def dispatch_events(event_id: int | None = None) -> dict[str, int]:
    """One event's deliveries right after its commit; without an id (every minute), every due retry."""
    from tilli.events import dispatch

    return dispatch(event_id=event_id)


@task
def purge_events() -> dict[str, int]:
    from tilli.events import purge

    return {"deleted": purge()}
