"""What every accounting record shares: why it is kept, for how long, and its gapless numbers."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.models import TenantModel
from kernel.registry import Category, Erasure, LegalBasis, PersonalField, Purpose, Retention, personal_data

PURPOSE_ACCOUNTING = Purpose("accounting", _("Bookkeeping and taxation: receipts and invoices"))
RETENTION_ACCOUNTING = Retention(
    "accounting",
    _("Receipts and invoices: for the period the accounting law sets, from the end of the year of payment"),
    years_after_year_end={"FI": 6, "PL": 5},
)
ACCOUNTING_GROUND = {"FI": _("Finnish Accounting Act 2:10"), "PL": _("Polish Tax Ordinance art. 70 §1")}

# A field of an accounting record that names or concerns a client: kept, restricted, after the client's
# erasure for as long as the accounting law requires, then deleted with the record.
KEPT = PersonalField(Category.FINANCIAL, PURPOSE_ACCOUNTING, LegalBasis.LEGAL_OBLIGATION, RETENTION_ACCOUNTING,
                     Erasure.KEEP_RESTRICTED, legal_ground=ACCOUNTING_GROUND)


class DocumentSeries(models.TextChoices):
    RECEIPT = "receipt", _("Receipts")
    INVOICE = "invoice", _("Invoices")
    Z_REPORT = "z_report", _("Daily Z reports")


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "series", "year", "last"])
class DocumentCounter(TenantModel):
    """The last number given in one series (per organization, and per year where the series restarts).

    Numbers come from this row, locked for the rest of the transaction that writes the document
    (billing.numbering.next_number), so two tills never give the same number and a rolled-back sale
    gives its number back: the series has neither gaps nor duplicates."""

    series = models.CharField(max_length=20, choices=DocumentSeries.choices)
    year = models.PositiveSmallIntegerField(default=0)  # 0: one series for all years
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "series", "year"],
                                               name="document_counter_unique")]
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")
