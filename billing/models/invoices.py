"""Invoices and credit notes to persons and companies, numbered per organization and year.

Like a receipt, an invoice copies the seller and the buyer as printed and never changes its lines once
issued; a correction is a credit note that refers to it. Its state (issued, paid, reminded) may change.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.models.accounting import KEPT
from kernel.models import TenantModel, TenantQuerySet
from kernel.registry import SubjectKind, personal_data


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class InvoiceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")
    CREDITED = "credited", _("Credited")


class InvoiceQuerySet(TenantQuerySet):
    def unrestricted(self) -> InvoiceQuerySet:
        return self.filter(restricted_until=None)


_INVOICE_PERSONAL = ("client", "contact_person", "buyer_name", "buyer_address", "buyer_business_id", "buyer_vat_id",
                     "buyer_reference", "buyer_email", "buyer_einvoice_address", "buyer_einvoice_operator", "notes",
                     "issued_by_user_id", "sale", "credit_reason")


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="client", kept_since="issue_date",
    fields={name: KEPT for name in _INVOICE_PERSONAL},
    not_personal=["organization", "kind", "number", "year", "credits", "language", "currency", "seller_name",
                  "seller_business_id", "seller_vat_id", "seller_address", "seller_iban", "seller_bic",
                  "issue_date", "sale_date", "due_date", "payment_terms_days", "penalty_interest", "reference",
                  "total", "vat", "status", "paid_at", "reminders_sent", "last_reminded_at", "exemption_basis",
                  "restricted_until", "created_at", "reminder_fees"],
)
class Invoice(TenantModel):
    kind = models.CharField(_("kind"), max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    number = models.PositiveIntegerField(_("number"))
    year = models.PositiveSmallIntegerField(_("year"))
    credits = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes",
                                verbose_name=_("credited invoice"))
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="invoices",
                               verbose_name=_("customer"))
    contact_person = models.ForeignKey("clients.Client", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+", verbose_name=_("contact person"))
    sale = models.ForeignKey("billing.Sale", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices",
                             verbose_name=_("receipt"))
    language = models.CharField(_("language"), max_length=5)
    currency = models.CharField(_("currency"), max_length=3)
    seller_name = models.CharField(_("seller"), max_length=200)
    seller_business_id = models.CharField(_("seller's business ID"), max_length=20)
    seller_vat_id = models.CharField(_("seller's VAT number"), max_length=20, blank=True)
    seller_address = models.TextField(_("seller's address"), blank=True)
    seller_iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    seller_bic = models.CharField(_("BIC"), max_length=11, blank=True)
    buyer_name = models.CharField(_("customer"), max_length=300)
    buyer_address = models.TextField(_("billing address"), blank=True)
    buyer_business_id = models.CharField(_("business ID"), max_length=20, blank=True)
    buyer_vat_id = models.CharField(_("VAT number"), max_length=20, blank=True)
    buyer_reference = models.CharField(_("customer's reference"), max_length=100, blank=True)
    buyer_email = models.EmailField(_("email"), blank=True)
    buyer_einvoice_address = models.CharField(_("e-invoice address"), max_length=35, blank=True)
    buyer_einvoice_operator = models.CharField(_("e-invoice operator"), max_length=35, blank=True)
    issue_date = models.DateField(_("date"))
    sale_date = models.DateField(_("date of delivery"))
    due_date = models.DateField(_("due date"))
    payment_terms_days = models.PositiveSmallIntegerField(_("terms of payment (days)"))
    penalty_interest = models.DecimalField(_("interest on late payment (%)"), max_digits=5, decimal_places=2,
                                           default=0)
    reference = models.CharField(_("reference number"), max_length=25)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    vat = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2)
    exemption_basis = models.CharField(_("basis of VAT exemption"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN)
    paid_at = models.DateField(_("paid"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    reminder_fees = models.DecimalField(_("reminder fees"), max_digits=8, decimal_places=2, default=0)
    credit_reason = models.CharField(_("reason for the correction"), max_length=300, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    issued_by_user_id = models.BigIntegerField(_("issued by (account number)"), null=True, blank=True)
    restricted_until = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [models.UniqueConstraint(fields=["organization", "year", "number"], name="invoice_unique_number")]
        indexes = [models.Index(fields=["organization", "status", "due_date"], name="invoice_open_due")]

    def __str__(self) -> str:
        return f"{self.number}/{self.year}"


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="invoice__client", kept_since="invoice__issue_date",
    fields={"invoice": KEPT, "description": KEPT},
    not_personal=["organization", "position", "quantity", "unit", "unit_price", "discount", "total", "vat_rate",
                  "vat_exempt", "vat", "service", "product", "credited_line"],
)
class InvoiceLine(TenantModel):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice"))
    position = models.PositiveSmallIntegerField()
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=9, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)
    discount = models.DecimalField(_("discount"), max_digits=10, decimal_places=2, default=0)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    vat_rate = models.DecimalField(_("VAT (%)"), max_digits=5, decimal_places=2)
    vat_exempt = models.BooleanField(default=False)
    vat = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2)
    service = models.ForeignKey("booking.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    product = models.ForeignKey("billing.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # On a credit note: the invoice's line it corrects (what is left to credit is the line less its credits).
    credited_line = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="credits",
                                      verbose_name=_("corrected line"))

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_unique_position")]
