"""Scheduled jobs of the accounts app."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from accounts.models import Invitation, SecurityEvent
from kernel.registry import RETENTION_INVITATION


@task
def purge_security_log() -> dict[str, int]:
    """Delete security-log rows older than SECURITY_LOG_RETENTION_DAYS (default 90).

    Idempotent: it deletes by age only, so running it twice deletes nothing more.
    """
    cutoff = timezone.now() - timedelta(days=settings.SECURITY_LOG_RETENTION_DAYS)
    deleted, _ = SecurityEvent.objects.filter(created_at__lt=cutoff).delete()
    return {"deleted": deleted}


@task
def purge_invitations() -> dict[str, int]:
    """Delete invitations (and the email address in them) 30 days after they expired, were
    used or were withdrawn, whichever came first."""
    cutoff = timezone.now() - timedelta(days=RETENTION_INVITATION.period_days())
    ended = Q(expires_at__lt=cutoff) | Q(accepted_at__lt=cutoff) | Q(revoked_at__lt=cutoff)
    deleted, _ = Invitation.objects.filter(ended).delete()
    return {"deleted": deleted}
