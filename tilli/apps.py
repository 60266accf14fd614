from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TilliConfig(AppConfig):
    """The project as an app. Its tables moved to the kernel app; it stays installed for its migrations,
    whose last one hands the event tables over to kernel (by state: the tables keep their names)."""

    name = "tilli"
    verbose_name = _("Domain events")
