from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kernel.jobs import Job


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("Clients")
    periodic_jobs = (
        Job("clients.purge_pending_imports", "clients.tasks.purge_pending_imports", timedelta(minutes=5)),
    )
