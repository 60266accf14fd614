"""Scheduled jobs of the tenancy app."""

from django.tasks import task

from tenancy.ratelimit import purge_expired


@task
def purge_rate_counters() -> dict[str, int]:
    """Delete request-limit counters whose window has passed (idempotent: by expiry only)."""
    return {"deleted": purge_expired()}
