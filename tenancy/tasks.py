"""Scheduled jobs of the tenancy app."""

from django.tasks import task

from tenancy.ratelimit import purge_expired
from tenancy.signup import purge_signups as purge_old_signups


@task
def purge_rate_counters() -> dict[str, int]:
    """Delete request-limit counters whose window has passed (idempotent: by expiry only)."""
    return {"deleted": purge_expired()}


@task
def purge_signups() -> dict[str, int]:
    """Delete sign-up requests and invitations past RETENTION_SIGNUP (idempotent: by age only)."""
    return {"deleted": purge_old_signups()}
