from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from ops import checks, metrics  # noqa: F401  (registers the deploy checks and the booking counter)

        metrics.connect_signals()
