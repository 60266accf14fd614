from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kernel.jobs import Job


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = _("Operator's console")
    periodic_jobs = (
        Job("console.delete_ended_organizations", "console.tasks.delete_ended_organizations", timedelta(hours=1)),
    )
