"""Gift cards (a value) and series cards (N visits of a service), sold at the counter, redeemed later.

The balance is kept on the card and every change of it is a use row, so the liability report (what is
still owed in unredeemed cards) and any card's history come from the same rows.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.models.accounting import KEPT
from kernel.models import TenantModel
from kernel.registry import SubjectKind, personal_data


class VoucherKind(models.TextChoices):
    GIFT_CARD = "gift_card", _("Gift card")
    SERIES_CARD = "series_card", _("Series card")


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="client", kept_since="issued_at",
    fields={"client": KEPT},
    not_personal=["organization", "kind", "code", "currency", "initial_value", "balance", "service", "visits",
                  "visits_left", "visit_value", "issued_at", "expires_on", "voided_at", "restricted_until"],
)
class Voucher(TenantModel):
    kind = models.CharField(_("kind"), max_length=12, choices=VoucherKind.choices)
    code = models.CharField(_("code"), max_length=20)
    client = models.ForeignKey("clients.Client", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="vouchers", verbose_name=_("holder"))  # None: to the bearer
    currency = models.CharField(_("currency"), max_length=3)
    initial_value = models.DecimalField(_("value when sold"), max_digits=10, decimal_places=2)
    balance = models.DecimalField(_("balance"), max_digits=10, decimal_places=2)  # gift card: money left
    service = models.ForeignKey("booking.Service", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("service"))  # series card only
    visits = models.PositiveSmallIntegerField(_("visits"), default=0)
    visits_left = models.PositiveSmallIntegerField(_("visits left"), default=0)
    visit_value = models.DecimalField(_("value of one visit"), max_digits=10, decimal_places=2, default=0)
    issued_at = models.DateTimeField(_("sold"))
    expires_on = models.DateField(_("valid until"))
    voided_at = models.DateTimeField(null=True, blank=True)
    restricted_until = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("gift or series card")
        verbose_name_plural = _("gift and series cards")
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="voucher_unique_code")]

    def __str__(self) -> str:
        return self.code


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="voucher__client", kept_since="at",
    fields={"voucher": KEPT, "appointment": KEPT},
    not_personal=["organization", "amount", "visits", "tender", "at"],
)
class VoucherUse(TenantModel):
    """One change of a card's balance: a redemption (negative) or its reversal on a refund (positive)."""

    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="uses",
                                verbose_name=_("gift or series card"))
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, default=0)
    visits = models.SmallIntegerField(_("visits"), default=0)
    tender = models.ForeignKey("billing.SaleTender", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    appointment = models.ForeignKey("booking.Appointment", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("appointment"))
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("card use")
        verbose_name_plural = _("card uses")
