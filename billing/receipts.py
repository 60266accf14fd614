"""A receipt as people read it: on screen, on an 80 mm receipt printer, as a PDF and in an email.

Everything printed comes from the receipt's own rows (its snapshot of seller and payer, its lines with
the VAT rate of the day, its payments), never from today's organization or client data, so a copy
printed in six years reads like the original. The words are in the receipt's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from billing.models import BillingProfile, Sale, SaleKind

RECEIPT_WIDTH_MM = 80
RECEIPT_CSS = Path(__file__).parent / "static" / "billing" / "receipt.css"  # the page links the same file


@dataclass(frozen=True)
class VatRow:
    rate: Decimal
    exempt: bool
    gross: Decimal
    vat: Decimal

    @property
    def net(self) -> Decimal:
        return self.gross - self.vat


def vat_breakdown(sale: Sale) -> list[VatRow]:
    """The receipt's VAT per rate, summed from its lines (which money.price already made add up)."""
    groups: dict[tuple[Decimal, bool], list[Decimal]] = {}
    for line in sale.lines.all():
        entry = groups.setdefault((line.vat_rate, line.vat_exempt), [Decimal("0.00"), Decimal("0.00")])
        entry[0] += line.total
        entry[1] += line.vat
    return [VatRow(rate, exempt, gross, tax) for (rate, exempt), (gross, tax)
            in sorted(groups.items(), key=lambda g: (g[0][0], not g[0][1]), reverse=True)]


def receipt_context(sale: Sale) -> dict:
    profile = BillingProfile.objects.filter(organization_id=sale.organization_id).first()
    return {
        "sale": sale, "lines": list(sale.lines.all()), "tenders": list(sale.tenders.select_related("voucher")),
        "vat_rows": vat_breakdown(sale), "is_credit": sale.kind == SaleKind.CREDIT,
        "cards": [line.voucher for line in sale.lines.all() if line.voucher_id and sale.kind == SaleKind.SALE],
        "vat_id": profile.vat_id if profile else "", "footer": profile.receipt_footer if profile else "",
    }


def receipt_title(sale: Sale) -> str:
    if sale.kind == SaleKind.CREDIT:
        return _("Credit receipt %(number)s") % {"number": sale.receipt_number}
    return _("Receipt %(number)s") % {"number": sale.receipt_number}


def receipt_html(sale: Sale) -> str:
    """The receipt itself (no page around it), in the receipt's language."""
    with translation.override(sale.language or None):
        return render_to_string("billing/receipt.html", receipt_context(sale))


def receipt_pdf(sale: Sale) -> bytes:
    """The receipt as a PDF page 80 mm wide, as long as the receipt."""
    from weasyprint import CSS, HTML

    with translation.override(sale.language or None):
        html = render_to_string("billing/receipt_pdf.html", {**receipt_context(sale), "title": receipt_title(sale),
                                                             "width": RECEIPT_WIDTH_MM,
                                                             "height": 120 + 7 * sale.lines.count()
                                                             + 5 * sale.tenders.count()})
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=RECEIPT_CSS)])


def receipt_email(sale: Sale) -> tuple[str, str]:
    """The subject and the plain-text body of the emailed receipt, in the receipt's language."""
    with translation.override(sale.language or None):
        subject = _("%(title)s from %(seller)s") % {"title": receipt_title(sale), "seller": sale.seller_name}
        body = render_to_string("billing/receipt.txt", receipt_context(sale))
    return subject, body
