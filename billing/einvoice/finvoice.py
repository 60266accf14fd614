"""Finvoice 3.0: the Finnish banks' e-invoice message (Finanssiala, "Finvoice 3.0 implementation guidelines").

One invoice or credit note as a Finvoice message: seller and buyer, the invoice's totals and VAT per
rate, its rows (net unit prices, VAT and amounts per row), the payment terms with the interest on late
payment, and the EPI payment details (IBAN, BIC, the reference as SPY, the amount and due date) that a
bank needs to pay it. Amounts are written with a decimal comma, dates as CCYYMMDD, as the standard asks.

A credit note is a hyvityslasku (INV02) that names the invoice it credits (OriginalInvoiceNumber); its rows are
the amounts credited, negative. One that credits the whole invoice cancels it (OriginCode Cancel); a partial
one is an original document of its own (OriginCode Original) whose free text names the invoice and its date.
An invoice partly credited asks, in its payment part, for what is left to pay.

The official Finvoice3.0.xsd could not be obtained (see schemas/README.md): the structure is tested
field by field against the implementation guidelines in billing/tests/test_einvoice.py.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from billing.einvoice import split_address
from billing.invoice_pdf import amount_due, rate_code, vat_breakdown
from billing.models import Invoice, InvoiceKind
from billing.selectors import corrections

VERSION = "3.0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def amount(value: Decimal) -> str:
    return format(Decimal(value).quantize(Decimal("0.01")), "f").replace(".", ",")


def percent(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f").replace(".", ",")


def _date(parent, tag: str, day) -> None:
    _el(parent, tag, day.strftime("%Y%m%d"), Format="CCYYMMDD")


def _el(parent, tag: str, text: str | None = None, **attrs):
    element = etree.SubElement(parent, tag, {k: v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _money(parent, tag: str, value: Decimal, currency: str):
    return _el(parent, tag, amount(value), AmountCurrencyIdentifier=currency)


def _vat_code(code: str) -> str:
    """The VAT category (EN 16931 UNCL5305): S standard, Z zero rated, E exempt."""
    return "E" if code == "zw" else "Z" if code == "0" else "S"


def _address(parent, prefix: str, text: str) -> None:
    street, code, town = split_address(text)
    details = _el(parent, f"{prefix}PostalAddressDetails")
    _el(details, f"{prefix}StreetName", street or "-")
    _el(details, f"{prefix}TownName", town or "-")
    _el(details, f"{prefix}PostCodeIdentifier", code or "-")
    _el(details, "CountryCode", "FI")


def build(invoice: Invoice) -> bytes:
    """The Finvoice 3.0 message of a Finnish invoice (euros) as UTF-8 bytes."""
    if invoice.currency != "EUR":
        raise ValidationError(_("Finvoice is for invoices in euros."), code="not_finnish")
    cur = invoice.currency
    credit = invoice.kind == InvoiceKind.CREDIT_NOTE
    rows = vat_breakdown(invoice)
    root = etree.Element("Finvoice", {"Version": VERSION, f"{{{XSI}}}noNamespaceSchemaLocation": "Finvoice3.0.xsd"},
                         nsmap={"xsi": XSI})
    if invoice.buyer_einvoice_address:
        transmission = _el(root, "MessageTransmissionDetails")
        sender = _el(transmission, "MessageSenderDetails")
        _el(sender, "FromIdentifier", "003" + invoice.seller_business_id.replace("-", ""))
        _el(sender, "FromIntermediator", invoice.seller_bic or "-")
        receiver = _el(transmission, "MessageReceiverDetails")
        _el(receiver, "ToIdentifier", invoice.buyer_einvoice_address)
        _el(receiver, "ToIntermediator", invoice.buyer_einvoice_operator or "-")
        details = _el(transmission, "MessageDetails")
        _el(details, "MessageIdentifier", f"{invoice.organization_id}-{invoice.year}-{invoice.number}")
        _el(details, "MessageTimeStamp", timezone.now().strftime("%Y-%m-%dT%H:%M:%S"))
    seller = _el(root, "SellerPartyDetails")
    _el(seller, "SellerPartyIdentifier", invoice.seller_business_id)
    _el(seller, "SellerOrganisationName", invoice.seller_name)
    if invoice.seller_vat_id:
        _el(seller, "SellerOrganisationTaxCode", invoice.seller_vat_id)
    _address(seller, "Seller", invoice.seller_address)
    info = _el(root, "SellerInformationDetails")
    account = _el(info, "SellerAccountDetails")
    _el(account, "SellerAccountID", invoice.seller_iban, IdentificationSchemeName="IBAN")
    _el(account, "SellerBic", invoice.seller_bic, IdentificationSchemeName="BIC")
    buyer = _el(root, "BuyerPartyDetails")
    if invoice.buyer_business_id:
        _el(buyer, "BuyerPartyIdentifier", invoice.buyer_business_id)
    _el(buyer, "BuyerOrganisationName", invoice.buyer_name)
    if invoice.buyer_vat_id:
        _el(buyer, "BuyerOrganisationTaxCode", invoice.buyer_vat_id)
    _address(buyer, "Buyer", invoice.buyer_address)
    if invoice.buyer_einvoice_address:
        _el(root, "BuyerOrganisationUnitNumber", invoice.buyer_einvoice_address)
    if invoice.contact_person_id:
        _el(root, "BuyerContactPersonName", invoice.contact_person.display_name)
    details = _el(root, "InvoiceDetails")
    _el(details, "InvoiceTypeCode", "INV02" if credit else "INV01", CodeListAgencyIdentifier="SPY")
    _el(details, "InvoiceTypeText", "HYVITYSLASKU" if credit else "LASKU")
    partial = bool(corrections(invoice))
    # A credit note of the whole invoice cancels it ("Cancel"); a partial one is an original credit note of its
    # own that refers to the invoice it corrects (its rows are the differences, as a credit note's rows are).
    _el(details, "OriginCode", "Cancel" if credit and not partial else "Original")
    if credit and invoice.credits_id:
        _el(details, "OriginalInvoiceNumber", str(invoice.credits))
    _el(details, "InvoiceNumber", str(invoice))
    _date(details, "InvoiceDate", invoice.issue_date)
    if invoice.buyer_reference:
        _el(details, "OrderIdentifier", invoice.buyer_reference)
    net = sum((r.net for r in rows), Decimal(0))
    _money(details, "InvoiceTotalVatExcludedAmount", net, cur)
    _money(details, "InvoiceTotalVatAmount", invoice.vat, cur)
    _money(details, "InvoiceTotalVatIncludedAmount", invoice.total, cur)
    for row in rows:
        spec = _el(details, "VatSpecificationDetails")
        _money(spec, "VatBaseAmount", row.net, cur)
        _el(spec, "VatRatePercent", percent(Decimal(0) if row.code == "zw" else Decimal(row.code)))
        _el(spec, "VatCode", _vat_code(row.code))
        _money(spec, "VatRateAmount", row.vat, cur)
        if row.code in ("zw", "0") and invoice.exemption_basis:
            _el(spec, "VatFreeText", invoice.exemption_basis[:70])
    free = invoice.credit_reason if credit else invoice.notes
    if partial:
        free = (f"Osittainen hyvitys laskuun {invoice.credits} "
                f"({invoice.credits.issue_date.strftime('%d.%m.%Y')}): {invoice.credit_reason}")
    if free:
        _el(details, "InvoiceFreeText", free[:512])
    terms = _el(details, "PaymentTermsDetails")
    _el(terms, "PaymentTermsFreeText", f"{invoice.payment_terms_days} pv netto")
    _date(terms, "InvoiceDueDate", invoice.due_date)
    if invoice.penalty_interest:
        fine = _el(terms, "PaymentOverDueFineDetails")
        _el(fine, "PaymentOverDueFineFreeText", f"Viivästyskorko {percent(invoice.penalty_interest)} %")
        _el(fine, "PaymentOverDueFinePercent", percent(invoice.penalty_interest))
    status = _el(root, "PaymentStatusDetails")
    _el(status, "PaymentStatusCode", "PAID" if invoice.status == "paid" else "NOTPAID")
    for line in invoice.lines.all():
        row = _el(root, "InvoiceRow")
        _el(row, "ArticleName", line.description[:100])
        _el(row, "DeliveredQuantity", percent(line.quantity), QuantityUnitCode=line.unit or "kpl")
        line_net = line.total - line.vat
        unit_net = (line_net / line.quantity).quantize(Decimal("0.01")) if line.quantity else Decimal(0)
        _money(row, "UnitPriceAmount", unit_net, cur)
        code = rate_code(line.vat_rate, line.vat_exempt)
        _el(row, "RowVatRatePercent", percent(line.vat_rate))
        _el(row, "RowVatCode", _vat_code(code))
        _money(row, "RowVatAmount", line.vat, cur)
        _money(row, "RowVatExcludedAmount", line_net, cur)
        _money(row, "RowAmount", line.total, cur)
    epi = _el(root, "EpiDetails")
    ident = _el(epi, "EpiIdentificationDetails")
    _date(ident, "EpiDate", invoice.issue_date)
    _el(ident, "EpiReference", "0")
    party = _el(epi, "EpiPartyDetails")
    bank = _el(party, "EpiBfiPartyDetails")
    _el(bank, "EpiBfiIdentifier", invoice.seller_bic, IdentificationSchemeName="BIC")
    beneficiary = _el(party, "EpiBeneficiaryPartyDetails")
    _el(beneficiary, "EpiNameAddressDetails", invoice.seller_name[:35])
    _el(beneficiary, "EpiBei", invoice.seller_business_id)
    _el(beneficiary, "EpiAccountID", invoice.seller_iban, IdentificationSchemeName="IBAN")
    instruction = _el(epi, "EpiPaymentInstructionDetails")
    _el(instruction, "EpiRemittanceInfoIdentifier", invoice.reference.rjust(20, "0"),
        IdentificationSchemeName="SPY")
    _money(instruction, "EpiInstructedAmount", amount_due(invoice), cur)
    _el(instruction, "EpiCharge", "SLEV", ChargeOption="SLEV")
    _date(instruction, "EpiDateOptionDate", invoice.due_date)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
