"""What the fiscal device answered for a receipt (Poland's kasa fiskalna online)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.models import TenantModel
from kernel.registry import personal_data


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "sale", "device", "fiscal_number", "registered_at"])
class FiscalRegistration(TenantModel):
    """A receipt registered by the fiscal device: its number there and the device's unique number.

    A receipt without one, while a device is configured, is still waiting (the worker retries with a
    backoff while the device is unreachable); the receipt itself never changes."""

    sale = models.OneToOneField("billing.Sale", on_delete=models.CASCADE, related_name="fiscal",
                                verbose_name=_("receipt"))
    device = models.CharField(_("fiscal device"), max_length=40)
    fiscal_number = models.CharField(_("fiscal receipt number"), max_length=40)
    registered_at = models.DateTimeField(_("registered"))

    class Meta:
        verbose_name = _("fiscal registration")
        verbose_name_plural = _("fiscal registrations")
