"""Scheduled jobs of the clients app."""

from django.tasks import task

from clients import pending_imports


@task
def purge_pending_imports() -> dict[str, int]:
    """Delete the checked import files nobody confirmed or cancelled within their 30 minutes.

    Idempotent: it deletes by expiry only, so running it twice deletes nothing more.
    """
    return pending_imports.purge_pending_imports()
