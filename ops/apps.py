from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kernel.jobs import Job


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("Operations")
    periodic_jobs = (
        Job("ops.heartbeat", "ops.tasks.heartbeat", timedelta(minutes=1)),
        Job("ops.backup", "ops.tasks.backup", timedelta(days=1), only_if_setting="BACKUP_KEYS"),
    )

    def ready(self) -> None:
        from ops import checks, metrics  # noqa: F401  (registers the deploy checks and the booking counter)

        metrics.connect_signals()
