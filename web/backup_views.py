"""What the owner sees of the installation's backups: when the last good one finished, and whether it is late."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from ops.selectors import last_good_backup
from tenancy.roles import Perm


def dashboard_backup(request: HttpRequest) -> dict | None:
    """For those who manage the organization: the last good backup (installation-wide, no tenant data)."""
    if not request.membership.has_perm(Perm.MANAGE_ORGANIZATION):
        return None
    run = last_good_backup()
    late_after = dt.timedelta(hours=settings.HEALTH_BACKUP_MAX_AGE_HOURS or 26)
    return {"configured": bool(settings.BACKUP_KEYS), "run": run,
            "late": run is None or timezone.now() - run.finished_at > late_after}
