from datetime import timedelta
from importlib import import_module

from django.apps import AppConfig, apps
from django.conf import settings
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _

from kernel.jobs import Job


class KernelConfig(AppConfig):
    """The bottom layer every app stands on: the personal-data registry, the audit chain, the scheduler
    and the domain-event log (kernel.events) that every app publishes to."""

    name = "kernel"
    verbose_name = _("Audit log and domain events")
    # The job names predate the kernel app; they stay, so the scheduler's rows (PeriodicJob) keep their state.
    periodic_jobs = (
        Job("tilli.dispatch_events", "kernel.events.dispatch_events", timedelta(minutes=1)),  # retries after a failure
        Job("tilli.purge_events", "kernel.events.purge_events", timedelta(days=1)),
    )

    def ready(self) -> None:
        from kernel import checks  # noqa: F401  (registers the personal-data registry's system check)

        # Each app's `events.py` (its event types) and `subscribers.py` (what it does when others
        # publish), imported once every model is loaded: a worker knows every type and subscriber
        # before it dispatches, and a subscriber to every type (webhooks) sees them all.
        for submodule in ("events", "subscribers"):
            for label in settings.TILLI_APPS:
                package = apps.get_app_config(label).module
                if module_has_submodule(package, submodule):
                    import_module(f"{package.__name__}.{submodule}")
