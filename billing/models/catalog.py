"""Products sold at the counter and every change of their stock."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.models import TenantModel
from kernel.registry import personal_data
from tilli.lib.text import validate_clean_text


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "name", "sku", "ean", "price", "currency", "vat_rate", "vat_exempt",
                             "stock", "low_stock_at", "is_active", "created_at"])
class Product(TenantModel):
    """A product with its gross price, VAT rate and the stock on the shelf."""

    name = models.CharField(_("name"), max_length=200, validators=[validate_clean_text])
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    ean = models.CharField(_("EAN"), max_length=14, blank=True)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    vat_rate = models.DecimalField(_("VAT (%)"), max_digits=5, decimal_places=2)
    vat_exempt = models.BooleanField(_("exempt from VAT"), default=False)
    stock = models.IntegerField(_("in stock"), default=0)
    low_stock_at = models.PositiveIntegerField(_("low when at most"), default=0)
    is_active = models.BooleanField(_("on sale"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.UniqueConstraint(fields=["organization", "sku"], condition=~models.Q(sku=""),
                                    name="product_unique_sku"),
            models.UniqueConstraint(fields=["organization", "ean"], condition=~models.Q(ean=""),
                                    name="product_unique_ean"),
        ]

    def __str__(self) -> str:
        return self.name


class StockReason(models.TextChoices):
    SALE = "sale", _("Sale")
    RETURN = "return", _("Return")
    DELIVERY = "delivery", _("Delivery")
    COUNT = "count", _("Stock count")
    LOSS = "loss", _("Loss or own use")


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "product", "change", "stock_after", "reason", "sale_line", "note",
                             "by_user_id", "at"])
class StockMovement(TenantModel):
    """One change of a product's stock and why: the stock is the sum of these, kept as a running figure."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="movements")
    change = models.IntegerField(_("change"))
    stock_after = models.IntegerField(_("in stock after"))
    reason = models.CharField(_("reason"), max_length=10, choices=StockReason.choices)
    sale_line = models.ForeignKey("billing.SaleLine", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)
    by_user_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [models.Index(fields=["organization", "product", "-at"], name="stock_product_recent")]
