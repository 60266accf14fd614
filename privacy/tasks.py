"""Background work of the privacy engine: building exports, retention, the owners' daily request digest."""

from __future__ import annotations

from django.tasks import task

# Exports queued before the task moved beside its work were stored as `privacy.tasks.build_export`;
# the worker still finds them here.
from privacy.exports import build_export as build_export


@task
def apply_retention() -> dict[str, int]:
    """The registry's retention rules, applied (the same walk as `manage.py retention --dry-run`)."""
    from privacy.retention import run_retention

    return run_retention(dry_run=False).counts()


@task
def send_request_digest() -> dict[str, int]:
    from privacy.requests import send_owner_digests

    return {"emails": send_owner_digests()}
