"""/api/v1 sales, receipts and gift cards: the counter over JSON, with the same services as the panel.

POST /sales completes a sale (lines, discounts, split payments, cards) and answers the receipt;
POST /receipts/{id}/refunds writes a credit receipt; GET /receipts lists and reads receipts (and a PDF);
GET /gift-cards lists and reads gift and series cards, or finds one by its code.
Refusals answer with the service's code: 422 for input, 409 for a state (no open till, a card's balance).
"""


from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from api.auth import require
from api.errors import ApiError, ErrorOut
from api.pagination import BoundedLimitOffset
from api.types import Id
from billing.models import Product, Sale, SaleLine, Voucher
from billing.receipts import receipt_pdf
from billing.sale_selectors import receipt_search, sale_with_details
from billing.sales import Discount, LineInput, RefundLine, TenderInput, sale_complete, sale_refund
from billing.vouchers import normalise_code
from booking.models import Appointment, Location, Service
from clients.models import Client
from kernel.audit import actor_for_request
from kernel.models import ActorKind
from tenancy.access import scoped
from tenancy.roles import Perm

router = Router(tags=["sales"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

Amount = Annotated[Decimal, Field(ge=0, le=Decimal("1000000"), max_digits=12, decimal_places=2)]
Quantity = Annotated[Decimal, Field(gt=0, le=Decimal("10000"), max_digits=9, decimal_places=3)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]


class LineIn(Schema):
    kind: Literal["service", "product", "gift_card", "series_card", "free"]
    service_id: Id | None = None
    product_id: Id | None = None
    quantity: Quantity = Decimal("1")
    unit_price: Amount | None = Field(None, description="Gross price; a service's or product's own price if left out.")
    description: str = Field("", max_length=300)
    vat_percent: Percent | None = Field(None, description="Free lines only: a rate valid in the country today.")
    discount_percent: Percent = Decimal("0")
    discount_amount: Amount = Decimal("0")
    visits: int = Field(0, ge=0, le=100, description="Series cards: how many visits of the service it is worth.")


class TenderIn(Schema):
    method: Literal["cash", "card", "mobilepay", "blik", "transfer", "gift_card", "series_card"]
    amount: Amount = Decimal("0")
    code: str = Field("", max_length=30, description="A gift or series card's code.")
    visits: int = Field(1, ge=1, le=100)
    reference: str = Field("", max_length=100)


class SaleIn(Schema):
    location_id: Id | None = Field(None, description="The organization's first location if left out.")
    client_id: Id | None = None
    appointment_id: Id | None = None
    lines: list[LineIn] = Field(..., min_length=1, max_length=100)
    tenders: list[TenderIn] = Field(..., max_length=10)
    discount_percent: Percent = Decimal("0")
    discount_amount: Amount = Decimal("0")
    email_to: str = Field("", max_length=254)
    note: str = Field("", max_length=300)


class RefundLineIn(Schema):
    line_id: Id
    quantity: Quantity


class RefundIn(Schema):
    lines: list[RefundLineIn] = Field(..., min_length=1, max_length=100)
    tenders: list[TenderIn] = Field(..., max_length=10)
    reason: str = Field(..., min_length=1, max_length=300)


class LineOut(Schema):
    id: int
    position: int
    kind: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    total: Decimal
    vat_rate: Decimal
    vat_exempt: bool
    vat: Decimal
    service_id: int | None
    product_id: int | None
    voucher_code: str | None

    @staticmethod
    def resolve_voucher_code(obj: SaleLine) -> str | None:
        return obj.voucher.code if obj.voucher_id else None


class TenderOut(Schema):
    method: str
    amount: Decimal
    reference: str


class ReceiptOut(Schema):
    id: int
    kind: str
    receipt_number: int
    refers_to_id: int | None
    location_id: int
    client_id: int | None
    appointment_id: int | None
    currency: str
    seller_name: str
    seller_business_id: str
    seller_address: str
    payer_name: str
    total: Decimal
    discount: Decimal
    vat: Decimal
    rounding: Decimal
    change: Decimal
    amount_paid: Decimal
    completed_at: datetime
    lines: list[LineOut]
    tenders: list[TenderOut]


class ReceiptListOut(Schema):
    id: int
    kind: str
    receipt_number: int
    total: Decimal
    amount_paid: Decimal
    currency: str
    completed_at: datetime


class CardOut(Schema):
    id: int
    kind: str
    code: str
    currency: str
    initial_value: Decimal
    balance: Decimal
    service_id: int | None
    visits: int
    visits_left: int
    issued_at: datetime
    expires_on: date
    voided: bool

    @staticmethod
    def resolve_voided(obj: Voucher) -> bool:
        return obj.voided_at is not None


class CodeQuery(Schema):
    code: str = Field(..., min_length=1, max_length=30)


class ReceiptFilter(Schema):
    number: int | None = Field(None, ge=1, le=2**31 - 1)
    day: date | None = None


def _one[M](request: HttpRequest, model: type[M], pk: int | None, what: str) -> M | None:
    if pk is None:
        return None
    obj = scoped(request, model).filter(pk=pk).first()
    if obj is None:
        raise ApiError(422, "invalid", _("The request has invalid values."), {what: [_("Not found.")]})
    return obj


def _tenders(payload: list[TenderIn]) -> list[TenderInput]:
    return [TenderInput(method=t.method, amount=t.amount, code=t.code, visits=t.visits, reference=t.reference)
            for t in payload]


def _receipt(request: HttpRequest, sale_id: int) -> Sale:
    try:
        sale = sale_with_details(request.organization, sale_id)
    except Sale.DoesNotExist:
        raise ApiError(404, "not_found", _("Not found.")) from None
    if sale.restricted_until is not None:
        raise ApiError(404, "not_found", _("Not found."))
    return sale


@router.post("/sales", response={201: ReceiptOut, **ERRORS})
def sales_create(request: HttpRequest, payload: SaleIn):
    """Complete a sale: the receipt with its number, or a refusal (409 `no_open_till` for cash without an open
    till, 409 `card_balance`, 422 `bad_tender` when the payments do not cover the total, ...)."""
    require(request, Perm.RECORD_PAYMENTS)
    location = _one(request, Location, payload.location_id, "location_id") or \
        scoped(request, Location).filter(is_active=True).order_by("pk").first()
    if location is None:
        raise ApiError(422, "invalid", _("The request has invalid values."),
                       {"location_id": [_("Add a location before selling.")]})
    client = _one(request, Client, payload.client_id, "client_id")
    appointment = _one(request, Appointment, payload.appointment_id, "appointment_id")
    lines = []
    for line in payload.lines:
        service = _one(request, Service, line.service_id, "service_id")
        product = _one(request, Product, line.product_id, "product_id")
        lines.append(LineInput(kind=line.kind, quantity=line.quantity, unit_price=line.unit_price,
                               description=line.description, service=service, product=product,
                               vat_percent=line.vat_percent, discount_percent=line.discount_percent,
                               discount_amount=line.discount_amount, visits=line.visits))
    sale = sale_complete(organization=request.organization, location=location, lines=lines,
                         tenders=_tenders(payload.tenders), actor=actor_for_request(request, kind=ActorKind.API),
                         client=client, appointment=appointment,
                         sale_discount=Discount(percent=payload.discount_percent, amount=payload.discount_amount),
                         email_to=payload.email_to, note=payload.note)
    return Status(201, _receipt(request, sale.pk))


@router.post("/receipts/{sale_id}/refunds", response={201: ReceiptOut, **ERRORS})
def receipts_refund(request: HttpRequest, sale_id: Id, payload: RefundIn):
    """A credit receipt for lines of the receipt; at most what was sold minus earlier credits (409)."""
    require(request, Perm.RECORD_PAYMENTS)
    sale = _receipt(request, sale_id)
    by_id = {line.pk: line for line in sale.lines.all()}
    lines = []
    for entry in payload.lines:
        if entry.line_id not in by_id:
            raise ApiError(422, "invalid", _("The request has invalid values."),
                           {"line_id": [_("Choose lines of this receipt.")]})
        lines.append(RefundLine(by_id[entry.line_id], entry.quantity))
    credit = sale_refund(sale=sale, lines=lines, tenders=_tenders(payload.tenders), reason=payload.reason,
                         actor=actor_for_request(request, kind=ActorKind.API))
    return Status(201, _receipt(request, credit.pk))


@router.get("/receipts", response={200: list[ReceiptListOut], **ERRORS})
@paginate(BoundedLimitOffset)
def receipts_list(request: HttpRequest, filters: Query[ReceiptFilter]):
    """Receipts and credit receipts, newest first; by number or by day (the organization's time zone)."""
    require(request, Perm.VIEW_PAYMENTS)
    from zoneinfo import ZoneInfo

    return receipt_search(request.organization, number=filters.number, day=filters.day,
                          zone=ZoneInfo(request.organization.time_zone))


@router.get("/receipts/{sale_id}", response={200: ReceiptOut, **ERRORS})
def receipts_read(request: HttpRequest, sale_id: Id):
    require(request, Perm.VIEW_PAYMENTS)
    return _receipt(request, sale_id)


@router.get("/receipts/{sale_id}/pdf", response={200: None, **ERRORS})
def receipts_pdf(request: HttpRequest, sale_id: Id):
    """The receipt as a PDF 80 mm wide."""
    require(request, Perm.VIEW_PAYMENTS)
    sale = _receipt(request, sale_id)
    response = HttpResponse(receipt_pdf(sale), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{sale.receipt_number}.pdf"'
    return response


@router.get("/gift-cards", response={200: list[CardOut], **ERRORS})
@paginate(BoundedLimitOffset)
def cards_list(request: HttpRequest):
    """Gift and series cards, newest first."""
    require(request, Perm.VIEW_PAYMENTS)
    return scoped(request, Voucher).order_by("-issued_at", "-pk")


@router.get("/gift-cards/lookup", response={200: CardOut, **ERRORS})
def cards_lookup(request: HttpRequest, query: Query[CodeQuery]):
    """A card by its code (as printed or typed: case, spaces and dashes do not matter)."""
    require(request, Perm.RECORD_PAYMENTS)
    card = scoped(request, Voucher).filter(code=normalise_code(query.code)).first()
    if card is None:
        raise ApiError(404, "card_unknown", _("No gift or series card has this code."))
    return card


@router.get("/gift-cards/{card_id}", response={200: CardOut, **ERRORS})
def cards_read(request: HttpRequest, card_id: Id):
    require(request, Perm.VIEW_PAYMENTS)
    card = scoped(request, Voucher).filter(pk=card_id).first()
    if card is None:
        raise ApiError(404, "not_found", _("Not found."))
    return card

