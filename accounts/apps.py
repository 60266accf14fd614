from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from kernel.jobs import Job


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")
    periodic_jobs = (
        Job("accounts.purge_security_log", "accounts.tasks.purge_security_log", timedelta(hours=6)),
        Job("accounts.purge_invitations", "accounts.tasks.purge_invitations", timedelta(days=1)),
    )

    def ready(self) -> None:
        from accounts import signals  # noqa: F401  (connects the security-log receivers)
