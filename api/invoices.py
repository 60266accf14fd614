"""/api/v1/invoices: invoices and credit notes, their PDF and e-invoice XML, payment and the overdue list.

MANAGE_INVOICES (owner, reception, accountant). A refusal of the invoicing service is a 422 whose `code`
names what was refused (e.g. `vat`, `no_bank_account`, `credited`, `not_overdue`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from api.auth import require
from api.errors import ApiError, ErrorOut
from api.pagination import BoundedLimitOffset
from api.types import Day, Id
from billing import invoicing
from billing.einvoice import finvoice, ksef
from billing.invoice_pdf import filename, invoice_pdf
from billing.models import Invoice, InvoiceKind
from billing.selectors import creditable
from clients.models import Client
from kernel.audit import actor_for_request
from kernel.models import ActorKind
from tenancy.access import get_for_member, scoped
from tenancy.roles import Perm

router = Router(tags=["invoices"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class LineIn(Schema):
    description: str = Field(..., min_length=1, max_length=300)
    quantity: Decimal = Field(..., gt=0, max_digits=9, decimal_places=3)
    unit: str = Field("", max_length=10)
    unit_price: Decimal = Field(..., ge=0, max_digits=10, decimal_places=2)
    vat_percent: Decimal = Field(..., ge=0, le=100, max_digits=5, decimal_places=2)
    exempt: bool = False
    discount_percent: Decimal = Field(Decimal(0), ge=0, le=100, max_digits=5, decimal_places=2)


class InvoiceIn(Schema):
    client_id: Id
    contact_person_id: Id | None = None
    lines: list[LineIn] = Field(..., min_length=1, max_length=100)
    prices_include_vat: bool = Field(True, description="false: unit prices are net (usual on Polish invoices)")
    issue_date: Day | None = None
    sale_date: Day | None = None
    payment_terms_days: int | None = Field(None, ge=0, le=365)
    language: str = Field("", max_length=5)
    buyer_reference: str = Field("", max_length=100)
    buyer_vat_id: str | None = Field(None, max_length=20)
    buyer_einvoice_address: str = Field("", max_length=35)
    buyer_einvoice_operator: str = Field("", max_length=35)
    notes: str = Field("", max_length=2000)


class LineOut(Schema):
    id: int
    position: int
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount: Decimal
    vat_rate: Decimal
    vat_exempt: bool
    net: Decimal
    vat: Decimal
    total: Decimal
    credited_line_id: int | None = Field(None, description="on a credit note: the invoice's line it corrects")

    @staticmethod
    def resolve_net(line) -> Decimal:
        return line.total - line.vat


class CreditableOut(Schema):
    """What of an invoice line its credit notes have not yet taken back."""

    line_id: int
    quantity: Decimal
    total: Decimal
    vat: Decimal

    @staticmethod
    def resolve_line_id(row) -> int:
        return row.line.pk


class InvoiceOut(Schema):
    id: int
    kind: str
    number: int
    year: int
    credits_id: int | None
    client_id: int
    contact_person_id: int | None
    language: str
    currency: str
    buyer_name: str
    buyer_vat_id: str
    issue_date: date
    sale_date: date
    due_date: date
    reference: str
    total: Decimal
    vat: Decimal
    status: str
    paid_at: date | None
    reminders_sent: int
    reminder_fees: Decimal
    credit_reason: str


class InvoiceDetailOut(InvoiceOut):
    lines: list[LineOut]
    creditable: list[CreditableOut] = Field(..., description="an invoice's lines less what was credited")

    @staticmethod
    def resolve_lines(invoice) -> list:
        return list(invoice.lines.all())

    @staticmethod
    def resolve_creditable(invoice) -> list:
        return creditable(invoice) if invoice.kind == InvoiceKind.INVOICE else []


class CreditLineIn(Schema):
    line_id: Id
    quantity: Decimal = Field(Decimal(0), ge=0, max_digits=9, decimal_places=3, description="units returned")
    amount: Decimal = Field(Decimal(0), ge=0, max_digits=12, decimal_places=2,
                            description="gross taken off the line's price")


class CreditIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)
    lines: list[CreditLineIn] | None = Field(None, max_length=100,
                                             description="the parts to credit; none: everything still creditable")


class PaidIn(Schema):
    paid_on: Day


class ReminderIn(Schema):
    fee: Decimal = Field(Decimal(0), ge=0, le=100, max_digits=6, decimal_places=2)


def _actor(request):
    return actor_for_request(request, kind=ActorKind.API)


def _invoice(request: HttpRequest, invoice_id: int) -> Invoice:
    invoice = get_for_member(request, Invoice, perm=Perm.MANAGE_INVOICES, actor_kind=ActorKind.API, pk=invoice_id)
    if invoice.restricted_until is not None:
        raise ApiError(404, "not_found", _("Not found."))
    return invoice


def _refused(error: ValidationError) -> ApiError:
    """A service's refusal as a 422 whose code names the first refused thing."""
    errors = [e for errs in error.error_dict.values() for e in errs] if hasattr(error, "error_dict") else \
        error.error_list
    code = next((e.code for e in errors if e.code), "invalid")
    fields = {name: [str(m) for m in messages] for name, messages in error.message_dict.items()} \
        if hasattr(error, "error_dict") else None
    return ApiError(422, code, " ".join(error.messages), fields)


@router.get("", response={200: list[InvoiceOut], **ERRORS})
@paginate(BoundedLimitOffset)
def invoices_list(request: HttpRequest):
    """Invoices and credit notes, the newest first."""
    require(request, Perm.MANAGE_INVOICES)
    return scoped(request, Invoice).unrestricted().order_by("-year", "-number")


@router.get("/overdue", response={200: list[InvoiceOut], **ERRORS})
@paginate(BoundedLimitOffset)
def invoices_overdue(request: HttpRequest):
    """Open invoices past their due date, the oldest first."""
    require(request, Perm.MANAGE_INVOICES)
    return invoicing.overdue(request.organization)


@router.post("", response={201: InvoiceDetailOut, **ERRORS})
def invoices_create(request: HttpRequest, payload: InvoiceIn):
    """Issue an invoice to a client (a person, or a company with an optional contact person)."""
    require(request, Perm.MANAGE_INVOICES)
    client = get_for_member(request, Client, perm=Perm.MANAGE_INVOICES, actor_kind=ActorKind.API,
                            pk=payload.client_id)
    contact = None
    if payload.contact_person_id:
        contact = get_for_member(request, Client, perm=Perm.MANAGE_INVOICES, actor_kind=ActorKind.API,
                                 pk=payload.contact_person_id)
    lines = [invoicing.LineInput(description=line.description, quantity=line.quantity, unit=line.unit,
                                 unit_price=line.unit_price, vat_percent=line.vat_percent, exempt=line.exempt,
                                 discount_percent=line.discount_percent,
                                 price_includes_vat=payload.prices_include_vat) for line in payload.lines]
    try:
        invoice = invoicing.invoice_create(
            organization=request.organization, actor=_actor(request), client=client, contact_person=contact,
            lines=lines, issue_date=payload.issue_date, sale_date=payload.sale_date,
            payment_terms_days=payload.payment_terms_days, language=payload.language,
            buyer_reference=payload.buyer_reference, buyer_vat_id=payload.buyer_vat_id,
            buyer_einvoice_address=payload.buyer_einvoice_address,
            buyer_einvoice_operator=payload.buyer_einvoice_operator, notes=payload.notes)
    except ValidationError as error:
        raise _refused(error) from None
    return Status(201, invoice)


class FromSaleIn(Schema):
    sale_id: Id
    client_id: Id | None = Field(None, description="the customer to invoice; default: the receipt's client")
    contact_person_id: Id | None = None
    buyer_reference: str = Field("", max_length=100)


@router.post("/from-sale", response={201: InvoiceDetailOut, **ERRORS})
def invoices_from_sale(request: HttpRequest, payload: FromSaleIn):
    """An invoice of a completed receipt: its lines and totals copied; issued as paid when the receipt was paid
    at the counter, open when it is paid by bank transfer."""
    from billing.models import Sale

    require(request, Perm.MANAGE_INVOICES)
    sale = get_for_member(request, Sale, perm=Perm.MANAGE_INVOICES, actor_kind=ActorKind.API, pk=payload.sale_id)
    client = contact = None
    if payload.client_id:
        client = get_for_member(request, Client, perm=Perm.MANAGE_INVOICES, actor_kind=ActorKind.API,
                                pk=payload.client_id)
    if payload.contact_person_id:
        contact = get_for_member(request, Client, perm=Perm.MANAGE_INVOICES, actor_kind=ActorKind.API,
                                 pk=payload.contact_person_id)
    try:
        invoice = invoicing.invoice_from_sale(organization=request.organization, actor=_actor(request), sale=sale,
                                              client=client, contact_person=contact,
                                              buyer_reference=payload.buyer_reference)
    except ValidationError as error:
        raise _refused(error) from None
    return Status(201, invoice)


@router.get("/{invoice_id}", response={200: InvoiceDetailOut, **ERRORS})
def invoices_read(request: HttpRequest, invoice_id: int):
    return _invoice(request, invoice_id)


@router.post("/{invoice_id}/credit", response={201: InvoiceDetailOut, **ERRORS})
def invoices_credit(request: HttpRequest, invoice_id: int, payload: CreditIn):
    """A credit note with the reason for the correction: of the chosen lines (a quantity returned and/or an
    amount taken off each), or of everything still creditable. Too much is a 422 `over_credit`; a line that is
    not this invoice's (another invoice's, another organization's) a 422 `unknown_line`."""
    invoice = _invoice(request, invoice_id)
    lines = None if payload.lines is None else [
        invoicing.CreditLine(line_id=row.line_id, quantity=row.quantity, amount=row.amount) for row in payload.lines]
    try:
        credit = invoicing.invoice_credit(organization=request.organization, actor=_actor(request),
                                          invoice=invoice, reason=payload.reason, lines=lines)
    except ValidationError as error:
        raise _refused(error) from None
    return Status(201, credit)


@router.post("/{invoice_id}/paid", response={200: InvoiceOut, **ERRORS})
def invoices_paid(request: HttpRequest, invoice_id: int, payload: PaidIn):
    invoice = _invoice(request, invoice_id)
    try:
        return invoicing.invoice_mark_paid(organization=request.organization, actor=_actor(request),
                                           invoice=invoice, paid_on=payload.paid_on)
    except ValidationError as error:
        raise _refused(error) from None


@router.post("/{invoice_id}/reminders", response={200: InvoiceOut, **ERRORS})
def invoices_remind(request: HttpRequest, invoice_id: int, payload: ReminderIn):
    """Queue a payment reminder by email for an overdue invoice, with an optional reminder fee."""
    invoice = _invoice(request, invoice_id)
    try:
        invoicing.invoice_remind(organization=request.organization, actor=_actor(request), invoice=invoice,
                                 fee=payload.fee)
    except ValidationError as error:
        raise _refused(error) from None
    invoice.refresh_from_db()
    return invoice


@router.get("/{invoice_id}/pdf", response={200: None, **ERRORS})
def invoices_pdf(request: HttpRequest, invoice_id: int):
    """The invoice as PDF, in the invoice's language."""
    invoice = _invoice(request, invoice_id)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename(invoice, "pdf")}"'
    return response


@router.get("/{invoice_id}/xml/{standard}", response={200: None, **ERRORS})
def invoices_xml(request: HttpRequest, invoice_id: int, standard: str):
    """The e-invoice: `finvoice` (Finvoice 3.0, invoices in euros) or `ksef` (FA(3), Polish invoices)."""
    invoice = _invoice(request, invoice_id)
    builder = {"finvoice": finvoice, "ksef": ksef}.get(standard)
    if builder is None:
        raise ApiError(404, "not_found", _("Not found."))
    try:
        xml = builder.build(invoice)
    except ValidationError as error:
        raise _refused(error) from None
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{standard}-{filename(invoice, "xml")}"'
    return response
