from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kernel.jobs import Job


class TenancyConfig(AppConfig):
    name = "tenancy"
    verbose_name = _("Organizations")
    periodic_jobs = (
        Job("tenancy.purge_rate_counters", "tenancy.tasks.purge_rate_counters", timedelta(hours=1)),
        Job("tenancy.purge_signups", "tenancy.tasks.purge_signups", timedelta(hours=6)),
    )
