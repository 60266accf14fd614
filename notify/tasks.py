"""Background delivery of the outbox (every minute by the scheduler, and on demand)."""

from __future__ import annotations

from django.tasks import task


@task
def deliver_outbox() -> dict[str, int]:
    from notify.delivery import deliver, recover_interrupted

    interrupted = recover_interrupted()
    return {**deliver(), "interrupted": interrupted}


@task
def send_portal_link(organization_id: int, sealed_email: str) -> dict[str, int]:
    """Mail a portal sign-in link if the sealed address is a client's (see notify.services.request_portal_link)."""
    from notify.delivery import deliver
    from notify.services import queue_portal_link
    from tenancy.models import Organization

    organization = Organization.objects.filter(pk=organization_id).first()
    message = queue_portal_link(organization=organization, sealed_email=sealed_email) if organization else None
    return deliver(ids=[message.pk]) if message else {"sent": 0}


@task
def deliver_webhooks() -> dict[str, int]:
    """POST the due webhook deliveries (after each event, and every minute for retries)."""
    from notify.webhooks import deliver

    return deliver()
