from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kernel.jobs import Job


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privacy")
    periodic_jobs = (
        Job("privacy.apply_retention", "privacy.tasks.apply_retention", timedelta(days=1)),
        Job("privacy.send_request_digest", "privacy.tasks.send_request_digest", timedelta(days=1)),
    )

    def ready(self) -> None:
        from privacy import signals  # noqa: F401  (registers the receivers)
