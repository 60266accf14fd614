"""Reading payments for reports (sums only, so a figure never shows who paid) and what of an invoice is still
creditable (the invoice's lines less what its credit notes took back)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, F, Sum

from billing.models import Invoice, InvoiceKind, InvoiceLine, Payment, Sale
from tenancy.models import Organization


def takings(organization: Organization, start: datetime, end: datetime) -> list[tuple[str, Decimal, int]]:
    """The money taken in [start, end): (currency, total, count of receipts) per currency.

    The counter's receipts (what was paid: the total with its cash rounding; credit receipts subtract) and
    the payments recorded by hand before the counter both count. Receipts kept restricted after a client's
    erasure still count: the money was taken, and a sum names nobody.
    """
    sums: dict[str, list] = {}
    payments = (Payment.objects.for_organization(organization).filter(paid_at__gte=start, paid_at__lt=end)
                .values("currency").annotate(amount=Sum("amount"), count=Count("pk")))
    sales = (Sale.objects.for_organization(organization).filter(completed_at__gte=start, completed_at__lt=end)
             .values("currency").annotate(amount=Sum(F("total") + F("rounding")), count=Count("pk")))
    for row in [*payments, *sales]:
        entry = sums.setdefault(row["currency"], [Decimal(0), 0])
        entry[0] += Decimal(row["amount"] or 0)
        entry[1] += row["count"]
    cent = Decimal("0.01")
    return [(currency, amount.quantize(cent), count) for currency, (amount, count) in sorted(sums.items())]


@dataclass(frozen=True)
class Creditable:
    """What of an invoice line is still creditable: the line less what its credit notes took back."""

    line: InvoiceLine
    quantity: Decimal
    total: Decimal
    vat: Decimal
    discount: Decimal

    @property
    def credited(self) -> bool:
        return self.total == 0 and self.quantity == 0

    @property
    def net(self) -> Decimal:
        return self.total - self.vat


def creditable(invoice: Invoice) -> list[Creditable]:
    """Each line of `invoice` with the quantity and amounts its credit notes have not yet taken back."""
    lines = list(InvoiceLine.objects.filter(organization_id=invoice.organization_id, invoice=invoice))
    taken = {row["credited_line"]: row for row in InvoiceLine.objects.filter(
        organization_id=invoice.organization_id, credited_line__in=lines).values("credited_line").annotate(
        q=Sum("quantity"), t=Sum("total"), v=Sum("vat"), d=Sum("discount"))}
    rows = []
    for line in lines:
        done = taken.get(line.pk, {})
        rows.append(Creditable(line=line, quantity=line.quantity + (done.get("q") or 0),
                               total=line.total + (done.get("t") or 0), vat=line.vat + (done.get("v") or 0),
                               discount=line.discount + (done.get("d") or 0)))
    return rows


def credited_total(invoice: Invoice) -> Decimal:
    """What the credit notes of `invoice` took off it (a positive amount; zero for a credit note)."""
    if invoice.kind != InvoiceKind.INVOICE or invoice.pk is None:
        return Decimal(0)
    total = Invoice.objects.filter(organization_id=invoice.organization_id, credits=invoice).aggregate(
        t=Sum("total"))["t"]
    return -(total or Decimal(0))


@dataclass(frozen=True)
class Correction:
    """One line of a partial credit note: the invoice's line as it stood before this note, the change, and after."""

    line: InvoiceLine  # the credit note's line: the difference (negative)
    original: InvoiceLine
    before_quantity: Decimal
    before_total: Decimal
    before_vat: Decimal

    @property
    def after_quantity(self) -> Decimal:
        return self.before_quantity + self.line.quantity

    @property
    def after_total(self) -> Decimal:
        return self.before_total + self.line.total

    @property
    def after_vat(self) -> Decimal:
        return self.before_vat + self.line.vat


def corrections(credit: Invoice) -> list[Correction]:
    """The lines of a partial credit note with the state of each corrected line before and after it; empty for
    an invoice and for a credit note that cancels its whole invoice at once (that one is its lines negated)."""
    if credit.kind != InvoiceKind.CREDIT_NOTE or credit.credits_id is None:
        return []
    lines = list(InvoiceLine.objects.filter(organization_id=credit.organization_id, invoice=credit)
                 .select_related("credited_line"))
    if any(line.credited_line is None for line in lines):  # issued before partial credits: always the whole invoice
        return []
    originals = list(InvoiceLine.objects.filter(organization_id=credit.organization_id, invoice_id=credit.credits_id))
    whole = len(lines) == len(originals) and all(
        line.quantity == -line.credited_line.quantity and line.total == -line.credited_line.total for line in lines)
    if whole:
        return []
    earlier = {row["credited_line"]: row for row in InvoiceLine.objects.filter(
        organization_id=credit.organization_id, credited_line__in=[line.credited_line for line in lines],
        invoice__pk__lt=credit.pk).values("credited_line").annotate(q=Sum("quantity"), t=Sum("total"), v=Sum("vat"))}
    rows = []
    for line in lines:
        original, done = line.credited_line, earlier.get(line.credited_line_id, {})
        rows.append(Correction(line=line, original=original,
                               before_quantity=original.quantity + (done.get("q") or 0),
                               before_total=original.total + (done.get("t") or 0),
                               before_vat=original.vat + (done.get("v") or 0)))
    return rows
