"""Payments recorded by hand before the counter existed: kept as the accounting law requires.

A payment keeps a snapshot of the payer as the receipt showed it, so erasing the client
leaves the receipt intact: restricted (hidden from normal views, readable by the accountant)
until its statutory period ends, and then deleted by the retention job.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.models.accounting import KEPT as _KEPT
from kernel.models import TenantModel, TenantQuerySet
from kernel.registry import SubjectKind, personal_data


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    TRANSFER = "transfer", _("Bank transfer")
    INVOICE = "invoice", _("Invoice")
    MOBILE = "mobile", _("Mobile payment")


class PaymentQuerySet(TenantQuerySet):
    def unrestricted(self) -> PaymentQuerySet:
        """Payments normal views may show: not those kept only because the law requires it."""
        return self.filter(restricted_until=None)


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="client", kept_since="paid_at",
    fields={"client": _KEPT, "paid_at": _KEPT, "amount": _KEPT, "payer_name": _KEPT, "payer_address": _KEPT,
            "payer_business_id": _KEPT, "description": _KEPT, "method": _KEPT, "appointment": _KEPT,
            "recorded_by_user_id": _KEPT},
    not_personal=["organization", "receipt_number", "currency", "vat_rate", "restricted_until", "created_at"],
)
class Payment(TenantModel):
    """One payment with its receipt number (consecutive per organization)."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="payments",
                               verbose_name=_("client"))
    appointment = models.ForeignKey("booking.Appointment", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="payments", verbose_name=_("appointment"))
    receipt_number = models.PositiveIntegerField(_("receipt number"))
    paid_at = models.DateTimeField(_("paid"))
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    vat_rate = models.DecimalField(_("VAT (%)"), max_digits=5, decimal_places=2, default=Decimal("0"),
                                   validators=[MinValueValidator(0), MaxValueValidator(100)])
    method = models.CharField(_("method"), max_length=10, choices=PaymentMethod.choices)
    description = models.CharField(_("what was paid for"), max_length=300, blank=True)
    payer_name = models.CharField(_("payer"), max_length=300)
    payer_address = models.TextField(_("payer's address"), blank=True)
    payer_business_id = models.CharField(_("payer's business ID"), max_length=20, blank=True)
    recorded_by_user_id = models.BigIntegerField(_("recorded by (account number)"), null=True, blank=True)
    restricted_until = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [models.UniqueConstraint(fields=["organization", "receipt_number"],
                                               name="payment_unique_receipt")]
        indexes = [models.Index(fields=["organization", "client", "-paid_at"], name="payment_client_recent")]

    def __str__(self) -> str:
        return f"#{self.receipt_number}"
