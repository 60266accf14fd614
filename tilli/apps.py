from datetime import timedelta
from importlib import import_module

from django.apps import AppConfig, apps
from django.conf import settings
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _

from privacy.jobs import Job


class TilliConfig(AppConfig):
    """The project as an app: it holds the domain-event log (tilli.events) that every app publishes to."""

    name = "tilli"
    verbose_name = _("Domain events")
    periodic_jobs = (
        Job("tilli.dispatch_events", "tilli.tasks.dispatch_events", timedelta(minutes=1)),  # retries after a failure
        Job("tilli.purge_events", "tilli.tasks.purge_events", timedelta(days=1)),
    )

    def ready(self) -> None:
        # Each app's `events.py` (its event types) and `subscribers.py` (what it does when others
        # publish), imported once every model is loaded: a worker knows every type and subscriber
        # before it dispatches, and a subscriber to every type (webhooks) sees them all.
        for submodule in ("events", "subscribers"):
            for label in settings.TILLI_APPS:
                package = apps.get_app_config(label).module
                if module_has_submodule(package, submodule):
                    import_module(f"{package.__name__}.{submodule}")
