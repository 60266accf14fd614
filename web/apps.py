from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "web"
    verbose_name = _("Staff panel")

    def ready(self) -> None:
        from django.db.models import fields

        # Django 6.1's empty choice of a select is newer than its fi, sv and pl catalogs: ours translates it
        # (Django reads this constant at each use and lets an app's ready() replace it).
        fields.BLANK_CHOICE_LABEL = _("- Select an option -")
