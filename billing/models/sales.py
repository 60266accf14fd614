"""A sale at the counter is its receipt: lines, payments, and a snapshot of seller and buyer.

A receipt never changes once written. A return or refund is a credit receipt (kind CREDIT) that refers
to the original and mirrors the returned lines with negative quantities and amounts, so every sum over
receipts (Z report, VAT, accounting export) is right without special cases.

The seller's and the buyer's names and addresses are copied onto the receipt as printed: the receipt
must read the same in six years, whatever happens to the organization's or the client's data later.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.models.accounting import KEPT
from kernel.models import TenantModel, TenantQuerySet
from kernel.registry import SubjectKind, personal_data


class SaleKind(models.TextChoices):
    SALE = "sale", _("Receipt")
    CREDIT = "credit", _("Credit receipt")


class SaleQuerySet(TenantQuerySet):
    def unrestricted(self) -> SaleQuerySet:
        """Receipts normal views may show: not those kept only because the law requires it."""
        return self.filter(restricted_until=None)


_SALE_PERSONAL = ("client", "appointment", "payer_name", "payer_address", "payer_business_id", "sold_by_user_id",
                  "note", "email_to")


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="client", kept_since="completed_at",
    fields={name: KEPT for name in _SALE_PERSONAL},
    not_personal=["organization", "kind", "receipt_number", "refers_to", "location", "till_session", "currency",
                  "language", "seller_name", "seller_business_id", "seller_address", "total", "discount", "vat",
                  "rounding", "change", "completed_at", "restricted_until", "created_at"],
)
class Sale(TenantModel):
    kind = models.CharField(_("kind"), max_length=10, choices=SaleKind.choices, default=SaleKind.SALE)
    receipt_number = models.PositiveIntegerField(_("receipt number"))
    refers_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="credits",
                                  verbose_name=_("original receipt"))
    location = models.ForeignKey("booking.Location", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("location"))
    till_session = models.ForeignKey("billing.TillSession", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="sales")
    client = models.ForeignKey("clients.Client", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="sales", verbose_name=_("client"))  # None: a walk-in sale
    appointment = models.ForeignKey("booking.Appointment", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="sales", verbose_name=_("appointment"))
    currency = models.CharField(_("currency"), max_length=3)
    language = models.CharField(_("language"), max_length=5)
    seller_name = models.CharField(_("seller"), max_length=200)
    seller_business_id = models.CharField(_("seller's business ID"), max_length=20)
    seller_address = models.TextField(_("seller's address"), blank=True)
    payer_name = models.CharField(_("customer"), max_length=300, blank=True)
    payer_address = models.TextField(_("customer's address"), blank=True)
    payer_business_id = models.CharField(_("customer's business ID"), max_length=20, blank=True)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)  # lines after discounts, VAT included
    discount = models.DecimalField(_("discounts"), max_digits=12, decimal_places=2)
    vat = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2)
    rounding = models.DecimalField(_("cash rounding"), max_digits=4, decimal_places=2, default=0)
    change = models.DecimalField(_("change given"), max_digits=10, decimal_places=2, default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)
    email_to = models.EmailField(_("receipt emailed to"), blank=True)
    sold_by_user_id = models.BigIntegerField(_("sold by (account number)"), null=True, blank=True)
    completed_at = models.DateTimeField(_("time"))
    restricted_until = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SaleQuerySet.as_manager()

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [models.UniqueConstraint(fields=["organization", "receipt_number"], name="sale_unique_receipt")]
        indexes = [models.Index(fields=["organization", "-completed_at"], name="sale_recent"),
                   models.Index(fields=["organization", "location", "completed_at"], name="sale_location_day"),
                   models.Index(fields=["organization", "client", "-completed_at"], name="sale_client_recent")]

    def __str__(self) -> str:
        return f"#{self.receipt_number}"

    @property
    def amount_paid(self):
        return self.total + self.rounding


class LineKind(models.TextChoices):
    SERVICE = "service", _("Service")
    PRODUCT = "product", _("Product")
    GIFT_CARD = "gift_card", _("Gift card")
    SERIES_CARD = "series_card", _("Series card")
    FREE = "free", _("Other")


_LINE_PERSONAL = ("sale", "description", "staff", "appointment", "credited_line")


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="sale__client", kept_since="sale__completed_at",
    fields={name: KEPT for name in _LINE_PERSONAL},
    not_personal=["organization", "position", "kind", "quantity", "unit_price", "discount", "total", "vat_rate",
                  "vat_exempt", "vat", "service", "product", "voucher"],
)
class SaleLine(TenantModel):
    """One line of a receipt; `discount` is the line's own discount plus its share of the sale's."""

    sale = models.ForeignKey(Sale, on_delete=models.CASCADE, related_name="lines", verbose_name=_("receipt"))
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(_("kind"), max_length=12, choices=LineKind.choices)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=9, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)
    discount = models.DecimalField(_("discount"), max_digits=10, decimal_places=2, default=0)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(_("VAT (%)"), max_digits=5, decimal_places=2)
    vat_exempt = models.BooleanField(default=False)
    vat = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2)
    service = models.ForeignKey("booking.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    product = models.ForeignKey("billing.Product", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="sale_lines")
    voucher = models.ForeignKey("billing.Voucher", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="sale_lines")  # the card this line sold
    staff = models.ForeignKey("tenancy.Membership", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("staff member"))  # for commission
    appointment = models.ForeignKey("booking.Appointment", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("appointment"))
    # On a credit receipt: the original line this one gives back (what is left to return is checked on it).
    credited_line = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="credits", verbose_name=_("returned line"))

    class Meta:
        verbose_name = _("receipt line")
        verbose_name_plural = _("receipt lines")
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["sale", "position"], name="sale_line_unique_position")]


class TenderMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card (terminal)")
    MOBILEPAY = "mobilepay", _("MobilePay")
    BLIK = "blik", _("BLIK")
    TRANSFER = "transfer", _("Bank transfer")
    GIFT_CARD = "gift_card", _("Gift card")
    SERIES_CARD = "series_card", _("Series card")
    ONLINE = "online", _("Paid online")


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="sale__client", kept_since="sale__completed_at",
    fields={"sale": KEPT, "reference": KEPT, "voucher": KEPT},
    not_personal=["organization", "method", "amount"],
)
class SaleTender(TenantModel):
    """One payment toward a receipt. Cash counts net of the change; a refund's tenders are negative."""

    sale = models.ForeignKey(Sale, on_delete=models.CASCADE, related_name="tenders", verbose_name=_("receipt"))
    method = models.CharField(_("method"), max_length=12, choices=TenderMethod.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    voucher = models.ForeignKey("billing.Voucher", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="tenders", verbose_name=_("gift or series card"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)  # e.g. the terminal's receipt number

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
