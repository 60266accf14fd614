"""Invoices and credit notes: the billing details, issuing, crediting, payment and reminders.

Every write here is one action in one transaction with its audit row and its event. An invoice takes
its number from the organization's invoice series of the year of its issue date (gapless: the counter
row is locked until the invoice commits), copies the seller and the buyer as printed, and prices its
lines with billing.money (gross-based; net, VAT and gross per rate follow from the same figures).

Polish invoices are usually written with net prices: a line may be entered net
(`price_includes_vat=False`), and its unit price is turned into the gross unit price at the line's
rate before pricing, so every document sums the same way. The net a Polish invoice prints per rate
is the gross less the VAT computed once per rate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fi import alv as fi_alv
from stdnum.fi import ytunnus as fi_ytunnus
from stdnum.pl import nip as pl_nip

from billing import money
from billing.events import InvoiceIssued, InvoicePaid, InvoiceReminded
from billing.models import (
    BillingProfile,
    DocumentSeries,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    Product,
    StockReason,
)
from billing.numbering import next_number
from billing.reference import national_reference
from billing.selectors import Creditable, creditable
from billing.stock import move_stock
from billing.vat import rate_for
from clients.models import Client, ClientKind
from kernel.audit import Actor, record
from kernel.events import publish
from kernel.models import AuditAction
from tenancy.models import Organization
from tilli.lib.addresses import address_of

LANGUAGES = ("fi", "sv", "pl", "en")
CURRENCY = {"FI": "EUR", "PL": "PLN"}
MAX_REMINDER_FEE = Decimal("100")


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


# --- billing details -------------------------------------------------------------------------------

def clean_vat_id(value: str, country: str) -> str:
    """A VAT number in its compact form: FI12345671 (Finnish ALV) or a Polish NIP (10 digits, or PL+10)."""
    value = "".join(value.split()).upper()
    if not value:
        return ""
    try:
        if value.startswith("FI") or (country == "FI" and not value.startswith("PL")):
            digits = value.removeprefix("FI").replace("-", "")
            return "FI" + fi_alv.validate("FI" + digits).removeprefix("FI")
        if value.startswith("PL"):
            return "PL" + pl_nip.validate(value[2:])
        return pl_nip.validate(value)
    except StdnumError:
        raise _error("vat_id", _("Enter a valid VAT number (e.g. FI12345671 or a Polish NIP)."), "vat_id") from None


def profile_for(organization: Organization) -> BillingProfile:
    """The organization's billing details (unsaved defaults if it has none yet)."""
    return (BillingProfile.objects.for_organization(organization).first()
            or BillingProfile(organization=organization))


_PROFILE_FIELDS = ("iban", "bic", "vat_id", "payment_terms_days", "penalty_interest", "einvoice_address",
                   "einvoice_operator", "exemption_basis", "receipt_footer")


@transaction.atomic
def billing_profile_save(*, organization: Organization, actor: Actor, iban: str = "", bic: str = "",
                         vat_id: str = "", payment_terms_days: int = 14, penalty_interest: Decimal = Decimal(0),
                         einvoice_address: str = "", einvoice_operator: str = "", exemption_basis: str = "",
                         receipt_footer: str = "") -> BillingProfile:
    """Store the billing details: the IBAN, BIC and VAT number are checked and kept in compact form."""
    errors: dict[str, list[str]] = {}
    iban = "".join(iban.split()).upper()
    bic = "".join(bic.split()).upper()
    if iban:
        try:
            iban = stdnum_iban.validate(iban)
        except StdnumError:
            errors["iban"] = [_("Enter a valid IBAN.")]
    if bic:
        try:
            bic = stdnum_bic.validate(bic)
        except StdnumError:
            errors["bic"] = [_("Enter a valid BIC (8 or 11 characters).")]
    if iban and not bic and iban.startswith("FI"):
        errors["bic"] = [_("Enter the bank's BIC: Finnish invoices print it with the IBAN.")]
    try:
        vat_id = clean_vat_id(vat_id, organization.country)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    profile = profile_for(organization)
    before = {name: getattr(profile, name) for name in _PROFILE_FIELDS}
    for name, value in {"iban": iban, "bic": bic, "vat_id": vat_id, "payment_terms_days": payment_terms_days,
                        "penalty_interest": penalty_interest, "einvoice_address": einvoice_address.strip(),
                        "einvoice_operator": einvoice_operator.strip(), "exemption_basis": exemption_basis.strip(),
                        "receipt_footer": receipt_footer.strip()}.items():
        setattr(profile, name, value)
    profile.full_clean(exclude=["organization"])
    created = profile.pk is None
    profile.save()
    changed = [name for name in _PROFILE_FIELDS if before[name] != getattr(profile, name)]
    record(organization=organization, actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE,
           obj=profile, changed_fields=changed)
    return profile


# --- issuing ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LineInput:
    """An invoice line as entered. `unit_price` is gross unless `price_includes_vat` is False."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_percent: Decimal
    exempt: bool = False
    discount_percent: Decimal = Decimal(0)
    unit: str = ""
    price_includes_vat: bool = True
    service_id: int | None = None
    product_id: int | None = None


def _gross_unit(line: LineInput) -> Decimal:
    if line.price_includes_vat or line.exempt:
        return money.cents(line.unit_price)
    return money.cents(Decimal(line.unit_price) * (money.HUNDRED + Decimal(line.vat_percent)) / money.HUNDRED)


def buyer_vat_id_for(client: Client, country: str) -> str:
    """The buyer's VAT number as an invoice prints it: a Polish company's NIP; a Finnish company's
    VAT number derived from its business ID (Y-tunnus -> FI + its digits)."""
    business_id = "".join(client.business_id.split())
    if client.kind != ClientKind.COMPANY or not business_id:
        return ""
    if country == "PL" and pl_nip.is_valid(business_id):
        return pl_nip.compact(business_id)
    if country == "FI" and fi_ytunnus.is_valid(business_id):
        return "FI" + fi_ytunnus.compact(business_id).replace("-", "")
    return ""


def invoice_language(client: Client, organization: Organization, language: str) -> str:
    for candidate in (language, client.preferred_language, organization.default_language, "en"):
        if candidate in LANGUAGES:
            return candidate
    return "en"


def _check_buyer(organization: Organization, client: Client, contact_person: Client | None) -> None:
    if client.organization_id != organization.pk:
        raise _error("client", _("Choose a client of this organization."), "client")
    if client.restricted_at or client.erased_at:
        raise _error("client", _("This client's data is restricted: it may be stored but not otherwise "
                                            "used."), "restricted")
    if contact_person is not None and (contact_person.organization_id != organization.pk
                                       or client.kind != ClientKind.COMPANY
                                       or contact_person.company_id != client.pk):
        raise _error("contact_person", _("Choose a contact person of this company."), "contact_person")


def _seller_address(organization: Organization) -> str:
    return "\n".join(address_of(organization))


def _buyer_address(client: Client, country: str) -> str:
    return client.billing_address or "\n".join(address_of(client, country=country))


def _parties(organization: Organization, profile: BillingProfile, client: Client, contact_person: Client | None, *,
             language: str, buyer_vat_id: str, buyer_reference: str, buyer_einvoice_address: str,
             buyer_einvoice_operator: str) -> dict:
    """The seller and the buyer as the invoice prints them (copied: the invoice must read the same later)."""
    country = organization.country
    return {
        "client": client, "contact_person": contact_person,
        "language": invoice_language(client, organization, language), "currency": CURRENCY.get(country, "EUR"),
        "seller_name": organization.name, "seller_business_id": organization.business_id,
        "seller_vat_id": profile.vat_id, "seller_address": _seller_address(organization),
        "seller_iban": profile.iban, "seller_bic": profile.bic,
        "buyer_name": client.billing_name or client.display_name, "buyer_address": _buyer_address(client, country),
        "buyer_business_id": client.business_id if client.kind == ClientKind.COMPANY else "",
        "buyer_vat_id": buyer_vat_id or "", "buyer_reference": (buyer_reference or client.billing_reference)[:100],
        "buyer_email": contact_person.email if contact_person and contact_person.email else client.email,
        "buyer_einvoice_address": buyer_einvoice_address.strip(),
        "buyer_einvoice_operator": buyer_einvoice_operator.strip(),
    }


@transaction.atomic
def invoice_create(*, organization: Organization, actor: Actor, client: Client, lines: list[LineInput],
                   contact_person: Client | None = None, issue_date: dt.date | None = None,
                   sale_date: dt.date | None = None, payment_terms_days: int | None = None, language: str = "",
                   buyer_reference: str = "", buyer_vat_id: str | None = None, buyer_einvoice_address: str = "",
                   buyer_einvoice_operator: str = "", notes: str = "", sale=None) -> Invoice:
    """Issue an invoice with the next number of the year, its reference number, and the seller's and
    buyer's details as printed. Products on it leave the stock (unless it bills a receipt's sale)."""
    _check_buyer(organization, client, contact_person)
    profile = profile_for(organization)
    country = organization.country
    if not profile.iban:
        raise ValidationError(_("Enter the bank account in the billing details before issuing invoices."),
                              code="no_bank_account")
    if not lines:
        raise _error("lines", _("Add at least one line."), "no_lines")
    today = timezone.localdate()
    issue_date = issue_date or today
    sale_date = sale_date or issue_date
    if issue_date > today + dt.timedelta(days=1):
        raise _error("issue_date", _("The date of issue cannot be in the future."), "date")
    terms = profile.payment_terms_days if payment_terms_days is None else payment_terms_days
    if not 0 <= terms <= 365:
        raise _error("payment_terms_days", _("Enter terms of 0 to 365 days."), "terms")
    for line in lines:
        if not line.description.strip():
            raise _error("lines", _("Every line needs a description."), "line")
        if rate_for(country, sale_date, Decimal(line.vat_percent), exempt=line.exempt) is None:
            raise _error("lines", _("%(rate)s %% is not a VAT rate in force on %(date)s.")
                                             % {"rate": line.vat_percent, "date": sale_date.isoformat()}, "vat")
    needs_basis = any(line.exempt or Decimal(line.vat_percent) == 0 for line in lines)
    if needs_basis and not profile.exemption_basis:
        raise ValidationError(_("A line without VAT needs the legal basis of the exemption: enter it in the billing "
                                "details."), code="exemption_basis")
    products = {p.pk: p for p in Product.objects.for_organization(organization).filter(
        pk__in=[line.product_id for line in lines if line.product_id])}
    if any(line.product_id and line.product_id not in products for line in lines):
        raise _error("lines", _("Choose a product of this organization."), "product")
    priced = money.price([money.Line(unit_price=_gross_unit(line), quantity=Decimal(line.quantity),
                                     vat_percent=Decimal(line.vat_percent), exempt=line.exempt,
                                     discount_percent=Decimal(line.discount_percent)) for line in lines])
    if priced.total <= 0:
        raise _error("lines", _("An invoice must be for more than zero."), "zero")
    if buyer_vat_id is None:
        buyer_vat_id = buyer_vat_id_for(client, country)
    elif buyer_vat_id.strip():
        buyer_vat_id = clean_vat_id(buyer_vat_id, country)
    year = issue_date.year
    number = next_number(organization, DocumentSeries.INVOICE, year)
    invoice = Invoice(
        organization=organization, kind=InvoiceKind.INVOICE, number=number, year=year, sale=sale,
        **_parties(organization, profile, client, contact_person, language=language, buyer_vat_id=buyer_vat_id,
                   buyer_reference=buyer_reference, buyer_einvoice_address=buyer_einvoice_address,
                   buyer_einvoice_operator=buyer_einvoice_operator),
        issue_date=issue_date, sale_date=sale_date, due_date=issue_date + dt.timedelta(days=terms),
        payment_terms_days=terms, penalty_interest=profile.penalty_interest,
        reference=national_reference(number, prefix=str(year)), total=priced.total, vat=priced.vat,
        exemption_basis=profile.exemption_basis if needs_basis else "", notes=notes.strip(),
        issued_by_user_id=actor.user_id)
    invoice.full_clean(exclude=["organization", "client", "contact_person", "sale", "credits"])
    invoice.save()
    for position, (line, priced_line) in enumerate(zip(lines, priced.lines, strict=True), start=1):
        saved = InvoiceLine.objects.create(
            organization=organization, invoice=invoice, position=position, description=line.description.strip()[:300],
            quantity=Decimal(line.quantity), unit=line.unit[:10], unit_price=priced_line.line.unit_price,
            discount=priced_line.discount, total=priced_line.gross, vat_rate=Decimal(line.vat_percent),
            vat_exempt=line.exempt, vat=priced_line.vat, service_id=line.service_id, product_id=line.product_id)
        if saved.product_id and sale is None:
            move_stock(product=products[saved.product_id], change=-int(Decimal(line.quantity)),
                       reason=StockReason.SALE, by_user_id=actor.user_id, note=f"invoice {invoice}")
    record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=invoice,
           subject_ref=client.subject_ref, changed_fields=["number", "total", "due_date"])
    publish(InvoiceIssued(organization_id=organization.pk, invoice_id=invoice.pk, client_id=client.pk,
                          kind=invoice.kind))
    return invoice


@transaction.atomic
def invoice_from_sale(*, organization: Organization, actor: Actor, sale, client: Client | None = None,
                      contact_person: Client | None = None, buyer_reference: str = "",
                      buyer_einvoice_address: str = "", buyer_einvoice_operator: str = "") -> Invoice:
    """An invoice of a completed receipt, for a customer who needs one (a company paying for the visit, or
    one paying later by transfer). The lines, discounts, VAT and total are the receipt's, copied as they
    are; the stock moved with the sale. Paid at the counter, the invoice is issued as paid; paid (or to be
    paid) by bank transfer, it stays open until paid."""
    from billing.models import Sale, SaleKind, TenderMethod

    sale = Sale.objects.for_organization(organization).select_for_update().filter(pk=sale.pk).first()
    if sale is None:
        raise _error("sale", _("Choose a receipt of this organization."), "sale")
    client = client or sale.client
    if sale.kind != SaleKind.SALE:
        raise ValidationError(_("Only a receipt of a sale can be invoiced."), code="not_a_sale")
    if client is None:
        raise _error("client", _("Choose the customer to invoice."), "client")
    _check_buyer(organization, client, contact_person)
    if Invoice.objects.for_organization(organization).filter(sale=sale).exclude(
            status=InvoiceStatus.CREDITED).exists():
        raise ValidationError(_("This receipt has been invoiced already."), code="invoiced")
    profile = profile_for(organization)
    if not profile.iban:
        raise ValidationError(_("Enter the bank account in the billing details before issuing invoices."),
                              code="no_bank_account")
    lines = list(sale.lines.all())
    needs_basis = any(line.vat_exempt or line.vat_rate == 0 for line in lines)
    if needs_basis and not profile.exemption_basis:
        raise ValidationError(_("A line without VAT needs the legal basis of the exemption: enter it in the billing "
                                "details."), code="exemption_basis")
    today = timezone.localdate()
    sold_on = timezone.localtime(sale.completed_at).date()
    tenders = list(sale.tenders.all())
    open_ = any(t.method == TenderMethod.TRANSFER for t in tenders) or not tenders
    number = next_number(organization, DocumentSeries.INVOICE, today.year)
    invoice = Invoice(
        organization=organization, kind=InvoiceKind.INVOICE, number=number, year=today.year, sale=sale,
        **_parties(organization, profile, client, contact_person, language="", buyer_vat_id=buyer_vat_id_for(
            client, organization.country), buyer_reference=buyer_reference,
            buyer_einvoice_address=buyer_einvoice_address, buyer_einvoice_operator=buyer_einvoice_operator),
        issue_date=today, sale_date=sold_on,
        due_date=today + dt.timedelta(days=profile.payment_terms_days) if open_ else today,
        payment_terms_days=profile.payment_terms_days if open_ else 0, penalty_interest=profile.penalty_interest,
        reference=national_reference(number, prefix=str(today.year)), total=sale.total, vat=sale.vat,
        exemption_basis=profile.exemption_basis if needs_basis else "",
        status=InvoiceStatus.OPEN if open_ else InvoiceStatus.PAID, paid_at=None if open_ else sold_on,
        issued_by_user_id=actor.user_id)
    invoice.save()
    for line in lines:
        InvoiceLine.objects.create(
            organization=organization, invoice=invoice, position=line.position, description=line.description,
            quantity=line.quantity, unit_price=line.unit_price, discount=line.discount, total=line.total,
            vat_rate=line.vat_rate, vat_exempt=line.vat_exempt, vat=line.vat, service_id=line.service_id,
            product_id=line.product_id)
    record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=invoice,
           subject_ref=client.subject_ref, changed_fields=["number", "total", "sale"], detail={"sale": sale.pk})
    publish(InvoiceIssued(organization_id=organization.pk, invoice_id=invoice.pk, client_id=client.pk,
                          kind=invoice.kind))
    return invoice


@dataclass(frozen=True)
class CreditLine:
    """What to credit of one invoice line: a quantity returned and/or an amount (gross) taken off its price."""

    line_id: int
    quantity: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)


@dataclass(frozen=True)
class _Credited:
    line: InvoiceLine
    quantity: Decimal
    total: Decimal
    vat: Decimal
    discount: Decimal


def _over_credit(line: Creditable) -> ValidationError:
    # the line by its number, not its description: a description may name the customer, and this is an exception
    return _error("lines", _("Line %(position)s: at most %(quantity)s or %(amount)s can still be credited.") % {
        "quantity": formats.number_format(money.plain(line.quantity), use_l10n=True),
        "amount": formats.number_format(line.total, 2, use_l10n=True), "position": line.line.position},
        "over_credit")


def _credit_figures(remaining: list[Creditable], lines: list[CreditLine] | None) -> list[_Credited]:
    """The lines of a credit note: everything still creditable (`lines` None), or the chosen parts.

    A returned quantity takes its share of what is left of the line (the last part takes exactly what is left,
    so the credits add up to the line); an amount is taken off the line's gross. The VAT of a part is computed
    from its gross as an invoice computes a rate's VAT; the part that leaves nothing takes the VAT that is left."""
    if lines is None:
        return [_Credited(r.line, r.quantity, r.total, r.vat, r.discount) for r in remaining if not r.credited]
    if not lines:
        raise _error("lines", _("Choose what to credit."), "no_lines")
    by_id = {r.line.pk: r for r in remaining}
    figures: list[_Credited] = []
    for entry in lines:
        left = by_id.get(entry.line_id)
        if left is None:
            raise _error("lines", _("Choose lines of this invoice."), "unknown_line")
        if any(f.line.pk == entry.line_id for f in figures):
            raise _error("lines", _("Choose each line once."), "duplicate_line")
        quantity, amount = Decimal(entry.quantity or 0), Decimal(entry.amount or 0)
        if (quantity < 0 or amount < 0 or (quantity == 0 and amount == 0) or money.cents(amount) != amount
                or quantity != quantity.quantize(Decimal("0.001"))):
            raise _error("lines", _("Enter a quantity or an amount to credit, more than zero."), "credit_line")
        if quantity > left.quantity:
            raise _over_credit(left)
        if quantity and quantity == left.quantity:
            gross, discount = left.total, left.discount
        elif quantity:
            gross = money.cents(left.total * quantity / left.quantity)
            discount = money.cents(left.discount * quantity / left.quantity)
        else:
            gross, discount = money.ZERO, money.ZERO
        gross += amount
        if gross > left.total:
            raise _over_credit(left)
        if gross == left.total:
            vat = left.vat
        else:
            vat = min(money.vat_of(gross, left.line.vat_rate, exempt=left.line.vat_exempt), left.vat)
        figures.append(_Credited(left.line, quantity, gross, vat, discount))
    return figures


@transaction.atomic
def invoice_credit(*, organization: Organization, actor: Actor, invoice: Invoice, reason: str,
                   issue_date: dt.date | None = None, lines: list[CreditLine] | None = None) -> Invoice:
    """A credit note (korjauslasku, faktura korygująca) numbered in the same series, referring to the invoice.

    Without `lines` it credits everything still creditable (the whole invoice, if nothing was credited before):
    the same lines with negative quantities and amounts. With `lines` it credits parts of chosen lines (a
    quantity returned, an amount taken off); several may follow one invoice, never more than each line (and
    so the invoice) holds: the invoice row is locked, so two credits of the same invoice are taken one at a
    time. The invoice is credited once nothing is left to credit; until then it keeps its status. Products
    come back to the stock for the quantity credited. If the invoice was paid, the credit note stays open
    until the money is returned."""
    invoice = Invoice.objects.for_organization(organization).select_for_update().get(pk=invoice.pk)
    if invoice.kind != InvoiceKind.INVOICE:
        raise ValidationError(_("A credit note cannot be credited."), code="not_an_invoice")
    if invoice.status == InvoiceStatus.CREDITED:
        raise ValidationError(_("This invoice has been credited already."), code="credited")
    if not reason.strip():
        raise _error("reason", _("Enter the reason for the correction."), "reason")
    issue_date = issue_date or timezone.localdate()
    if issue_date < invoice.issue_date:
        raise _error("issue_date", _("A credit note cannot be dated before its invoice."), "date")
    remaining = creditable(invoice)
    figures = _credit_figures(remaining, lines)
    if not figures:
        raise ValidationError(_("This invoice has been credited already."), code="credited")
    total = sum((f.total for f in figures), money.ZERO)
    if total > sum((r.total for r in remaining), money.ZERO):  # cannot happen line by line; the total is law
        raise _error("lines", _("A credit note cannot take back more than the invoice."), "over_credit")
    year = issue_date.year
    number = next_number(organization, DocumentSeries.INVOICE, year)
    was_paid = invoice.status == InvoiceStatus.PAID
    credit = Invoice(
        organization=organization, kind=InvoiceKind.CREDIT_NOTE, number=number, year=year, credits=invoice,
        **{field: getattr(invoice, field) for field in (
            "client_id", "contact_person_id", "language", "currency", "seller_name", "seller_business_id",
            "seller_vat_id", "seller_address", "seller_iban", "seller_bic", "buyer_name", "buyer_address",
            "buyer_business_id", "buyer_vat_id", "buyer_reference", "buyer_email", "buyer_einvoice_address",
            "buyer_einvoice_operator", "sale_date", "payment_terms_days", "penalty_interest", "exemption_basis")},
        issue_date=issue_date, due_date=issue_date, reference=national_reference(number, prefix=str(year)),
        total=-total, vat=-sum((f.vat for f in figures), money.ZERO), credit_reason=reason.strip()[:300],
        status=InvoiceStatus.OPEN if was_paid else InvoiceStatus.PAID, paid_at=None if was_paid else issue_date,
        issued_by_user_id=actor.user_id)
    credit.save()
    whole = lines is None and all(r.total == r.line.total and r.quantity == r.line.quantity for r in remaining)
    for position, figure in enumerate(sorted(figures, key=lambda f: f.line.position), start=1):
        line = figure.line
        InvoiceLine.objects.create(
            organization=organization, invoice=credit, position=line.position if whole else position,
            description=line.description, quantity=-figure.quantity, unit=line.unit, unit_price=line.unit_price,
            discount=-figure.discount, total=-figure.total, vat_rate=line.vat_rate, vat_exempt=line.vat_exempt,
            vat=-figure.vat, service_id=line.service_id, product_id=line.product_id, credited_line=line)
        returned = int(figure.quantity)
        if line.product_id and invoice.sale_id is None and returned:
            product = Product.objects.for_organization(organization).filter(pk=line.product_id).first()
            if product is not None:
                move_stock(product=product, change=returned, reason=StockReason.RETURN,
                           by_user_id=actor.user_id, note=f"credit note {credit}")
    taken = {f.line.pk: f.total for f in figures}
    subject = invoice.client.subject_ref
    record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=credit, subject_ref=subject,
           changed_fields=["number", "total", "credit_reason"],
           detail={"credits": invoice.pk, "lines": [f.line.pk for f in figures], "partial": not whole})
    if all(r.total == taken.get(r.line.pk, money.ZERO) for r in remaining):
        invoice.status = InvoiceStatus.CREDITED
        invoice.save(update_fields=["status"])
        record(organization=organization, actor=actor, action=AuditAction.UPDATE, obj=invoice, subject_ref=subject,
               changed_fields=["status"])
    publish(InvoiceIssued(organization_id=organization.pk, invoice_id=credit.pk, client_id=invoice.client_id,
                          kind=credit.kind))
    return credit


@transaction.atomic
def invoice_mark_paid(*, organization: Organization, actor: Actor, invoice: Invoice, paid_on: dt.date) -> Invoice:
    """Record that an open invoice (or a credit note's refund) was paid on `paid_on`."""
    invoice = Invoice.objects.for_organization(organization).select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.OPEN:
        raise ValidationError(_("Only an open invoice can be marked paid."), code="not_open")
    if paid_on > timezone.localdate():
        raise _error("paid_on", _("The date of payment cannot be in the future."), "date")
    if paid_on < invoice.issue_date - dt.timedelta(days=366):
        raise _error("paid_on", _("Enter the date the payment arrived."), "date")
    invoice.status, invoice.paid_at = InvoiceStatus.PAID, paid_on
    invoice.save(update_fields=["status", "paid_at"])
    record(organization=organization, actor=actor, action=AuditAction.UPDATE, obj=invoice,
           subject_ref=invoice.client.subject_ref, changed_fields=["status", "paid_at"])
    publish(InvoicePaid(organization_id=organization.pk, invoice_id=invoice.pk))
    return invoice


def overdue(organization: Organization, *, today: dt.date | None = None):
    """Open invoices past their due date, the oldest first (not those kept only because the law requires)."""
    today = today or timezone.localdate()
    return (Invoice.objects.for_organization(organization).unrestricted()
            .filter(kind=InvoiceKind.INVOICE, status=InvoiceStatus.OPEN, due_date__lt=today)
            .order_by("due_date", "number"))


@transaction.atomic
def invoice_remind(*, organization: Organization, actor: Actor, invoice: Invoice, fee: Decimal = Decimal(0)) -> Invoice:
    """Count a payment reminder of an overdue invoice, with an optional reminder fee added to what is owed.

    The email itself (in the invoice's language, with the payment details) is queued by notify when it
    handles the InvoiceReminded event (notify.invoice_mail), as every message goes through the outbox."""
    invoice = Invoice.objects.for_organization(organization).select_for_update().select_related("client").get(
        pk=invoice.pk)
    if invoice.kind != InvoiceKind.INVOICE or invoice.status != InvoiceStatus.OPEN:
        raise ValidationError(_("Only an open invoice can be reminded of."), code="not_open")
    if invoice.due_date >= timezone.localdate():
        raise ValidationError(_("The invoice is not overdue yet."), code="not_overdue")
    if invoice.client.restricted_at or invoice.client.erased_at:
        raise ValidationError(_("This client's data is restricted: it may be stored but not otherwise used."),
                              code="restricted")
    if not invoice.buyer_email:
        raise ValidationError(_("The invoice has no email address to send a reminder to."), code="no_email")
    fee = money.cents(Decimal(fee))
    if fee < 0 or fee > MAX_REMINDER_FEE:
        raise _error("fee", _("Enter a reminder fee of 0 to 100."), "fee")
    invoice.reminders_sent += 1
    invoice.reminder_fees += fee
    invoice.last_reminded_at = timezone.now()
    invoice.save(update_fields=["reminders_sent", "reminder_fees", "last_reminded_at"])
    record(organization=organization, actor=actor, action=AuditAction.UPDATE, obj=invoice,
           subject_ref=invoice.client.subject_ref, changed_fields=["reminders_sent", "reminder_fees"],
           detail={"reminder": invoice.reminders_sent})
    publish(InvoiceReminded(organization_id=organization.pk, invoice_id=invoice.pk))
    return invoice
