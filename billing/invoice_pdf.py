"""An invoice as a document: the facts it prints (shared by the page, the PDF and the e-invoices) and the PDF.

The document is rendered in the invoice's own language (fi, sv, pl or en), whatever the staff member's.
A Finnish invoice in euros to a Finnish account prints the bank giro details with the reference number
and the bank barcode (billing.barcode: the 54 digits as text and as Code 128). Every invoice prints net,
VAT and gross per rate, as both Finnish (AVL 209 e §) and Polish (ustawa o VAT art. 106e) law require;
exempt lines print "zw" and the legal basis.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from billing.barcode import BarcodeError, bank_barcode, code128c_svg
from billing.models import Invoice, InvoiceKind, InvoiceStatus
from billing.reference import grouped
from billing.selectors import corrections, credited_total


@dataclass(frozen=True)
class RateRow:
    code: str  # "25.5", "0" or "zw"
    net: Decimal
    vat: Decimal
    gross: Decimal


def rate_code(percent: Decimal, exempt: bool) -> str:
    return "zw" if exempt else format(Decimal(percent).normalize(), "f")


def vat_breakdown(invoice: Invoice) -> list[RateRow]:
    """Net, VAT and gross per rate, highest rate first (the sums of the lines, which billing.money made agree)."""
    sums: dict[tuple[Decimal, bool], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in invoice.lines.all():
        sums[(line.vat_rate, line.vat_exempt)][0] += line.total
        sums[(line.vat_rate, line.vat_exempt)][1] += line.vat
    return [RateRow(code=rate_code(rate, exempt), net=gross - vat, vat=vat, gross=gross)
            for (rate, exempt), (gross, vat) in sorted(sums.items(), key=lambda kv: (kv[0][0], not kv[0][1]),
                                                       reverse=True)]


def amount_due(invoice: Invoice) -> Decimal:
    """What the invoice asks to be paid: its total and reminder fees, less what its credit notes took off."""
    return invoice.total + invoice.reminder_fees - credited_total(invoice)


def barcode_digits(invoice: Invoice, *, overdue: bool = False) -> str:
    """The bank barcode of a Finnish invoice in euros to a Finnish account; "" where there is none.
    `overdue` (a reminder): without the passed due date, so the bank pays it at once."""
    if (invoice.kind != InvoiceKind.INVOICE or invoice.status != InvoiceStatus.OPEN or invoice.currency != "EUR"
            or not invoice.seller_iban.startswith("FI")
            or amount_due(invoice) <= 0):
        return ""
    try:
        return bank_barcode(iban=invoice.seller_iban, amount=amount_due(invoice),
                            reference=invoice.reference, due=None if overdue else invoice.due_date)
    except BarcodeError:
        return ""


def payment_details(invoice: Invoice, *, overdue: bool = False) -> dict:
    digits = barcode_digits(invoice, overdue=overdue)
    iban = invoice.seller_iban
    return {
        "iban": " ".join(iban[i:i + 4] for i in range(0, len(iban), 4)),
        "bic": invoice.seller_bic,
        "reference": grouped(invoice.reference) if invoice.currency == "EUR" else "",
        "amount": money_text(amount_due(invoice), invoice.currency),
        "due": formats.date_format(invoice.due_date, "SHORT_DATE_FORMAT"),
        "barcode": digits,
    }


def money_text(value: Decimal, currency: str) -> str:
    amount = formats.number_format(value, 2, use_l10n=True, force_grouping=True)
    return f"{amount} €" if currency == "EUR" else f"{amount} {currency}"


def rate_text(code: str) -> str:
    """A rate as printed in the active language: "25,5 %" or "zw"."""
    if code == "zw":
        return "zw"
    return f"{formats.number_format(Decimal(code), use_l10n=True)} %"


def title(invoice: Invoice) -> str:
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        return pgettext("document title", "Credit note")
    return pgettext("document title", "Invoice")


def _state(quantity: Decimal, total: Decimal, vat: Decimal) -> dict:
    net = total - vat
    return {"quantity": quantity, "unit_net": net / quantity if quantity else Decimal(0), "net": net, "vat": vat,
            "total": total}


def correction_rows(invoice: Invoice) -> list[dict]:
    """A partial credit note's lines as a correction prints them: each corrected line before, after and the
    difference (the credit note's own line); empty for an invoice or a credit note of the whole invoice."""
    return [{"position": c.original.position, "description": c.original.description, "unit": c.original.unit,
             "rate": rate_text(rate_code(c.original.vat_rate, c.original.vat_exempt)),
             "before": _state(c.before_quantity, c.before_total, c.before_vat),
             "after": _state(c.after_quantity, c.after_total, c.after_vat),
             "change": _state(c.line.quantity, c.line.total, c.line.vat)} for c in corrections(invoice)]


def document_context(invoice: Invoice) -> dict:
    """What the invoice prints, in the active language."""
    lines = list(invoice.lines.all())
    payment = payment_details(invoice)
    svg = code128c_svg(payment["barcode"]) if payment["barcode"] else ""
    rows = vat_breakdown(invoice)
    credited_by = list(Invoice.objects.filter(organization_id=invoice.organization_id, credits=invoice)
                       .order_by("year", "number")) if invoice.kind == InvoiceKind.INVOICE and invoice.pk else []
    return {
        "invoice": invoice, "title": title(invoice), "number": str(invoice), "lines": [
            {"line": line, "code": rate_code(line.vat_rate, line.vat_exempt),
             "rate": rate_text(rate_code(line.vat_rate, line.vat_exempt)),
             "unit_net": (line.total - line.vat) / line.quantity if line.quantity else Decimal(0),
             "net": line.total - line.vat} for line in lines],
        "rates": [{"code": r.code, "rate": rate_text(r.code), "net": r.net, "vat": r.vat, "gross": r.gross}
                  for r in rows], "net": sum((r.net for r in rows), Decimal(0)), "payment": payment,
        "barcode_src": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode() if svg else "",
        "polish": invoice.currency == "PLN", "credited": invoice.credits, "corrections": correction_rows(invoice),
        "exempt": any(r.code in ("zw", "0") for r in rows),
        "credited_by": ", ".join(str(note) for note in credited_by),
        "credited_amount": -sum((note.total for note in credited_by), Decimal(0)),
    }


def invoice_html(invoice: Invoice) -> str:
    with translation.override(invoice.language):
        return render_to_string("billing/invoice_document.html", document_context(invoice))


def invoice_pdf(invoice: Invoice) -> bytes:
    from weasyprint import HTML

    return HTML(string=invoice_html(invoice)).write_pdf()


def filename(invoice: Invoice, extension: str) -> str:
    with translation.override(invoice.language):
        word = _("invoice") if invoice.kind == InvoiceKind.INVOICE else _("credit-note")
    return f"{word}-{invoice.year}-{invoice.number}.{extension}"
