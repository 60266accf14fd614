"""The console's scheduled work (declared in ConsoleConfig.periodic_jobs)."""

from __future__ import annotations

from django.tasks import task

from console import contract


@task
def delete_ended_organizations() -> dict[str, int]:
    """Deletes each organization whose contract ended more than CONTRACT_RETURN_DAYS ago."""
    return contract.delete_ended_organizations()
