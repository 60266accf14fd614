"""The Polish structured invoice FA(3) (e-Faktura for KSeF), namespace http://crd.gov.pl/wzor/2025/06/25/13775/.

Built from the Ministry of Finance's FA(3) structure (schemat FA(3) v1-0E and its "Broszura
informacyjna"): Naglowek; Podmiot1 (seller: NIP, name, address); Podmiot2 (buyer: NIP, or BrakID for a
consumer, with the FA(3) flags JST and GV); Fa with the currency, P_1 (date of issue), P_2 (number),
P_6 (date of sale), net (P_13_x) and VAT (P_14_x) per rate, P_15 (gross total), Adnotacje (the
mandatory annotations, with the "zw" exemption's legal basis in P_19A), RodzajFaktury (VAT or KOR with
the corrected invoice's data and the reason), the lines (FaWiersz: P_7 name, P_8A unit, P_8B quantity,
P_9A net unit price, P_11 net value, P_12 rate) and Platnosc (due date, transfer, bank account).

A correction of the whole invoice lists its lines negated. A partial correction lists each corrected line
twice, with their own numbering: as it stood before (StanPrzed = 1) and after the correction; the sums
P_13_x, P_14_x and P_15 are the differences.

The official XSD (and its imported StrukturyDanych/ElementarneTypyDanych) could not be obtained (see
schemas/README.md): the structure is tested field by field in billing/tests/test_einvoice.py. Sending to
KSeF (its API, the qualified seal or token) is not part of this export.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from billing.einvoice import split_address
from billing.invoice_pdf import rate_code, vat_breakdown
from billing.models import Invoice, InvoiceKind
from billing.selectors import corrections

NS = "http://crd.gov.pl/wzor/2025/06/25/13775/"
# The P_13/P_14 pair of each rate (P_13_6_1: 0 % in the country; P_13_7: exempt).
RATE_FIELDS = {"23": ("P_13_1", "P_14_1"), "22": ("P_13_1", "P_14_1"), "8": ("P_13_2", "P_14_2"),
               "7": ("P_13_2", "P_14_2"), "5": ("P_13_3", "P_14_3"), "0": ("P_13_6_1", None), "zw": ("P_13_7", None)}
FIELD_ORDER = ["P_13_1", "P_14_1", "P_13_2", "P_14_2", "P_13_3", "P_14_3", "P_13_6_1", "P_13_7"]
TRANSFER = "6"  # FormaPlatnosci: przelew


def amount(value: Decimal) -> str:
    return format(Decimal(value).quantize(Decimal("0.01")), "f")


def _el(parent, tag: str, text: str | None = None, **attrs):
    element = etree.SubElement(parent, f"{{{NS}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _address(parent, text: str) -> None:
    street, code, town = split_address(text)
    address = _el(parent, "Adres")
    _el(address, "KodKraju", "PL")
    _el(address, "AdresL1", street or town or "-")
    if street and (code or town):
        _el(address, "AdresL2", f"{code} {town}".strip())


def _p12(code: str) -> str:
    return "0 KR" if code == "0" else code


def _row(fa, number: int, line, quantity: Decimal, net: Decimal, *, before: bool = False) -> None:
    row = _el(fa, "FaWiersz")
    _el(row, "NrWierszaFa", str(number))
    _el(row, "P_7", line.description[:512])
    _el(row, "P_8A", line.unit or "szt.")
    _el(row, "P_8B", format(Decimal(quantity).normalize(), "f"))
    _el(row, "P_9A", amount(net / quantity if quantity else Decimal(0)))
    _el(row, "P_11", amount(net))
    _el(row, "P_12", _p12(rate_code(line.vat_rate, line.vat_exempt)))
    if before:
        _el(row, "StanPrzed", "1")


def build(invoice: Invoice) -> bytes:
    """The FA(3) XML of a Polish invoice or correction as UTF-8 bytes."""
    if invoice.currency != "PLN":
        raise ValidationError(_("The KSeF structure is for Polish invoices."), code="not_polish")
    correction = invoice.kind == InvoiceKind.CREDIT_NOTE
    root = etree.Element(f"{{{NS}}}Faktura", nsmap={None: NS})
    header = _el(root, "Naglowek")
    _el(header, "KodFormularza", "FA", kodSystemowy="FA (3)", wersjaSchemy="1-0E")
    _el(header, "WariantFormularza", "3")
    _el(header, "DataWytworzeniaFa", timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"))
    _el(header, "SystemInfo", "Tilli")
    seller = _el(root, "Podmiot1")
    ident = _el(seller, "DaneIdentyfikacyjne")
    _el(ident, "NIP", (invoice.seller_vat_id or invoice.seller_business_id).removeprefix("PL"))
    _el(ident, "Nazwa", invoice.seller_name)
    _address(seller, invoice.seller_address)
    buyer = _el(root, "Podmiot2")
    ident = _el(buyer, "DaneIdentyfikacyjne")
    if invoice.buyer_vat_id:
        _el(ident, "NIP", invoice.buyer_vat_id.removeprefix("PL"))
    else:
        _el(ident, "BrakID", "1")
    _el(ident, "Nazwa", invoice.buyer_name)
    if invoice.buyer_address:
        _address(buyer, invoice.buyer_address)
    _el(buyer, "JST", "2")
    _el(buyer, "GV", "2")
    fa = _el(root, "Fa")
    _el(fa, "KodWaluty", invoice.currency)
    _el(fa, "P_1", invoice.issue_date.isoformat())
    _el(fa, "P_2", str(invoice))
    _el(fa, "P_6", invoice.sale_date.isoformat())
    sums: dict[str, Decimal] = {}
    for row in vat_breakdown(invoice):
        net_field, vat_field = RATE_FIELDS.get(row.code, (None, None))
        if net_field is None:
            raise ValidationError(_("The rate %(rate)s %% has no place in the KSeF structure.") % {"rate": row.code},
                                  code="rate")
        sums[net_field] = sums.get(net_field, Decimal(0)) + row.net
        if vat_field:
            sums[vat_field] = sums.get(vat_field, Decimal(0)) + row.vat
    for field in FIELD_ORDER:
        if field in sums:
            _el(fa, field, amount(sums[field]))
    _el(fa, "P_15", amount(invoice.total))
    notes = _el(fa, "Adnotacje")
    for field in ("P_16", "P_17", "P_18", "P_18A"):
        _el(notes, field, "2")
    exemption = _el(notes, "Zwolnienie")
    if "P_13_7" in sums:
        _el(exemption, "P_19", "1")
        _el(exemption, "P_19A", invoice.exemption_basis or "-")
    else:
        _el(exemption, "P_19N", "1")
    transport = _el(notes, "NoweSrodkiTransportu")
    _el(transport, "P_22N", "1")
    _el(notes, "P_23", "2")
    margin = _el(notes, "PMarzy")
    _el(margin, "P_PMarzyN", "1")
    _el(fa, "RodzajFaktury", "KOR" if correction else "VAT")
    if correction and invoice.credits_id:
        _el(fa, "PrzyczynaKorekty", invoice.credit_reason or "-")
        _el(fa, "TypKorekty", "2")
        corrected = _el(fa, "DaneFaKorygowanej")
        _el(corrected, "DataWystFaKorygowanej", invoice.credits.issue_date.isoformat())
        _el(corrected, "NrFaKorygowanej", str(invoice.credits))
        _el(corrected, "NrKSeFN", "1")  # the corrected invoice was issued outside KSeF
    changes = corrections(invoice)
    if changes:  # a partial correction: each corrected line before (StanPrzed) and after, numbered on
        number = 0
        for change in changes:
            line = change.original
            for quantity, total, vat, before in ((change.before_quantity, change.before_total, change.before_vat,
                                                  True),
                                                 (change.after_quantity, change.after_total, change.after_vat, False)):
                number += 1
                _row(fa, number, line, quantity, total - vat, before=before)
    else:
        for line in invoice.lines.all():
            _row(fa, line.position, line, line.quantity, line.total - line.vat)
    if not correction:
        payment = _el(fa, "Platnosc")
        if invoice.status == "paid" and invoice.paid_at:
            _el(payment, "Zaplacono", "1")
            _el(payment, "DataZaplaty", invoice.paid_at.isoformat())
        else:
            term = _el(payment, "TerminPlatnosci")
            _el(term, "Termin", invoice.due_date.isoformat())
        _el(payment, "FormaPlatnosci", TRANSFER)
        if invoice.seller_iban:
            account = _el(payment, "RachunekBankowy")
            _el(account, "NrRB", invoice.seller_iban.removeprefix("PL"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
