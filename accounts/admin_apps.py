"""The admin's app config, apart from accounts.apps so that app keeps its own default config."""

from django.contrib.admin.apps import AdminConfig


class OperatorAdminConfig(AdminConfig):
    """django.contrib.admin with Tilli's site: sign-in through allauth, a second factor required."""

    default_site = "accounts.admin_site.OperatorAdminSite"
