from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kernel.jobs import Job


class NotifyConfig(AppConfig):
    name = "notify"
    verbose_name = _("Messages")
    periodic_jobs = (
        Job("notify.deliver_outbox", "notify.delivery.deliver_outbox", timedelta(minutes=1)),
        Job("notify.deliver_webhooks", "notify.webhooks.deliver_webhooks", timedelta(minutes=1)),
    )
