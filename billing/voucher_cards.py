"""The printable gift or series card: the organization's name, the value or visits, the expiry and the code,
with a QR code of the code that the checkout's scanner (or a phone) reads back.

The QR code holds the card's code only, never the holder's name or the balance: a card is to the bearer,
and the balance is looked up at the counter."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.template.loader import render_to_string
from django.utils import translation

from billing.models import Voucher, VoucherKind


def qr_svg_data_uri(text: str) -> str:
    """A QR code of `text` as an SVG data URI (vector: sharp at any print size)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def voucher_card_html(voucher: Voucher, *, language: str) -> str:
    with translation.override(language):
        return render_to_string("billing/voucher_card.html", {
            "voucher": voucher, "organization": voucher.organization, "qr": qr_svg_data_uri(voucher.code),
            "is_series": voucher.kind == VoucherKind.SERIES_CARD})


def voucher_card_pdf(voucher: Voucher, *, language: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=voucher_card_html(voucher, language=language)).write_pdf()
