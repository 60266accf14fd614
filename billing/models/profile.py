"""How an organization bills: its bank account, terms and e-invoice address, and staff commission."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.models import TenantModel
from kernel.registry import personal_data


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "iban", "bic", "vat_id", "payment_terms_days", "penalty_interest",
                             "einvoice_address", "einvoice_operator", "exemption_basis", "receipt_footer"])
class BillingProfile(TenantModel):
    """One per organization: what every invoice and receipt prints besides the organization's name."""

    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    vat_id = models.CharField(_("VAT number"), max_length=20, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(_("terms of payment (days)"), default=14,
                                                          validators=[MaxValueValidator(365)])
    penalty_interest = models.DecimalField(_("interest on late payment (%)"), max_digits=5, decimal_places=2,
                                           default=0, validators=[MinValueValidator(0), MaxValueValidator(100)])
    einvoice_address = models.CharField(_("e-invoice address"), max_length=35, blank=True)
    einvoice_operator = models.CharField(_("e-invoice operator"), max_length=35, blank=True)
    exemption_basis = models.CharField(_("basis of VAT exemption"), max_length=200, blank=True)
    receipt_footer = models.CharField(_("text at the end of receipts"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("billing details")
        verbose_name_plural = _("billing details")
        constraints = [models.UniqueConstraint(fields=["organization"], name="billing_profile_one")]


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "membership", "service", "product", "percent"])
class CommissionRate(TenantModel):
    """A staff member's commission on a service or a product (neither: their default on everything)."""

    membership = models.ForeignKey("tenancy.Membership", on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("staff member"))
    service = models.ForeignKey("booking.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("billing.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    percent = models.DecimalField(_("commission (%)"), max_digits=5, decimal_places=2,
                                  validators=[MinValueValidator(0), MaxValueValidator(100)])

    class Meta:
        verbose_name = _("commission rate")
        verbose_name_plural = _("commission rates")
        constraints = [
            models.CheckConstraint(condition=~(models.Q(service__isnull=False) & models.Q(product__isnull=False)),
                                   name="commission_one_target"),
            models.UniqueConstraint(fields=["membership", "service"], condition=models.Q(service__isnull=False),
                                    name="commission_unique_service"),
            models.UniqueConstraint(fields=["membership", "product"], condition=models.Q(product__isnull=False),
                                    name="commission_unique_product"),
            models.UniqueConstraint(fields=["membership"], condition=models.Q(service=None, product=None),
                                    name="commission_unique_default"),
        ]
