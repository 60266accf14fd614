"""What the operator's probes read: when the background worker last proved it was alive, and the backups taken.

Neither table holds personal or tenant data; both are read by /readyz and /metrics.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.registry import personal_data


@personal_data(subject_kind=None, subject_path=None, fields={}, not_personal=["name", "beat_at"])
class Heartbeat(models.Model):
    """The last time a component proved it was running (one row per component)."""

    name = models.CharField(max_length=50, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return self.name


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["name", "started_at", "finished_at", "ok", "size", "sha256", "destinations", "error"])
class BackupRun(models.Model):
    """One run of `manage.py backup`: its file name, checksum and where it was written, or why it failed."""

    name = models.CharField(max_length=100)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    destinations = models.JSONField(default=list)
    error = models.CharField(max_length=200, blank=True)  # the exception type only: messages may quote data

    class Meta:
        indexes = [models.Index(fields=["ok", "-finished_at"], name="backup_last_good")]
        verbose_name = _("backup run")
        verbose_name_plural = _("backup runs")

    def __str__(self) -> str:
        return self.name
