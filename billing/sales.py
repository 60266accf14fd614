"""Selling at the counter and giving money back: a receipt, or a credit receipt, in one transaction.

`sale_complete` prices the lines (billing.money.price), checks and settles the payments
(billing.money.settle: cash rounding, change), takes the next receipt number (billing.numbering, so the
series has neither gaps nor duplicates even with several tills), copies the seller and the payer onto
the receipt, moves stock, issues the cards it sells and redeems the cards that pay, under row locks.
`sale_refund` writes a credit receipt that refers to the original and mirrors the returned lines with
negative amounts; what was already credited cannot be credited again.

The appointment a sale settles is completed by booking, which reacts to the `SaleCompleted` event
(billing and booking do not import each other); the emailed receipt is queued the same way by notify.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import money, vat
from billing.events import ReceiptEmailRequested, SaleCompleted, SaleRefunded
from billing.models import (
    DocumentSeries,
    LineKind,
    Sale,
    SaleKind,
    SaleLine,
    SaleTender,
    StockReason,
    TenderMethod,
    TillSession,
    VoucherKind,
)
from billing.numbering import next_number
from billing.sale_errors import SaleError
from billing.series_booking import consume_hold, release_paid_otherwise
from billing.stock import move_stock
from billing.vouchers import give_back, locked_voucher, redeem_value, redeem_visits, void_unused, voucher_issue
from kernel.audit import Actor, record
from kernel.events import publish
from kernel.models import AuditAction
from tenancy.models import Organization
from tilli.errors import Conflict, Invalid
from tilli.lib.addresses import address_lines, address_of

ZERO = Decimal("0.00")
CARD_METHODS = {TenderMethod.GIFT_CARD, TenderMethod.SERIES_CARD}


@dataclass(frozen=True)
class LineInput:
    """One line as the counter enters it. A service's or product's price and VAT rate are taken from it
    unless `unit_price` is given (a price changed at the counter); a free line gives both."""

    kind: str
    quantity: Decimal = Decimal("1")
    unit_price: Decimal | None = None
    description: str = ""
    service: object | None = None  # booking.Service
    product: object | None = None  # billing.Product
    vat_percent: Decimal | None = None  # free lines
    vat_exempt: bool = False
    discount_percent: Decimal = ZERO
    discount_amount: Decimal = ZERO
    staff: object | None = None  # tenancy.Membership, for commission
    visits: int = 0  # series card: how many visits it is worth
    expires_on: dt.date | None = None  # a card's validity, if not the default


@dataclass(frozen=True)
class TenderInput:
    """One payment as entered: cash is what was handed over; a card tender names the card's code.

    A series-card payment counts `visits` visits of the card's service at the price they have on this sale;
    its amount is worked out here."""

    method: str
    amount: Decimal = ZERO
    code: str = ""
    visits: int = 1
    reference: str = ""


@dataclass(frozen=True)
class Discount:
    percent: Decimal = ZERO
    amount: Decimal = ZERO


@dataclass(frozen=True)
class RefundLine:
    line: SaleLine
    quantity: Decimal


@dataclass
class _Prepared:
    inputs: list[LineInput]
    money_lines: list[money.Line]
    descriptions: list[str]
    extra: list[dict] = field(default_factory=list)


def currency_of(organization: Organization) -> str:
    return "PLN" if organization.country == "PL" else "EUR"


def _invalid(message: str, code: SaleError = SaleError.LINE) -> Invalid:
    return Invalid(code, message)


def _check_vat(organization: Organization, day: dt.date, percent: Decimal, exempt: bool) -> None:
    if not vat.is_valid(organization.country, day, Decimal(percent), exempt=exempt):
        raise _invalid(_("The VAT rate %(rate)s %% is not valid on %(day)s: correct the price list.") % {
            "rate": percent, "day": day.isoformat()}, SaleError.VAT)


def _prepare(organization: Organization, lines: Sequence[LineInput], day: dt.date) -> _Prepared:
    if not lines:
        raise _invalid(_("Add at least one line to the sale."), SaleError.EMPTY)
    prepared = _Prepared(inputs=list(lines), money_lines=[], descriptions=[])
    for line in lines:
        quantity = Decimal(line.quantity)
        price = None if line.unit_price is None else Decimal(line.unit_price)
        exempt = False
        if line.kind == LineKind.SERVICE:
            service = line.service
            if service is None or service.organization_id != organization.pk:
                raise _invalid(_("Choose a service of this organization."))
            price = service.price if price is None else price
            percent, description = service.vat_rate, line.description or service.name
            _check_vat(organization, day, percent, False)
        elif line.kind == LineKind.PRODUCT:
            product = line.product
            if product is None or product.organization_id != organization.pk:
                raise _invalid(_("Choose a product of this organization."))
            if quantity != quantity.to_integral_value():
                raise _invalid(_("Products are sold in whole pieces."))
            price = product.price if price is None else price
            percent, exempt, description = product.vat_rate, product.vat_exempt, line.description or product.name
            _check_vat(organization, day, percent, exempt)
        elif line.kind == LineKind.GIFT_CARD:
            if price is None or price <= 0 or quantity != 1:
                raise _invalid(_("Enter the gift card's value; sell one card per line."))
            percent, description = ZERO, line.description or _("Gift card")
        elif line.kind == LineKind.SERIES_CARD:
            service = line.service
            if service is None or service.organization_id != organization.pk or line.visits < 1 or quantity != 1:
                raise _invalid(_("Choose the series card's service and its number of visits; sell one card per "
                                 "line."))
            price = service.price * line.visits if price is None else price
            percent = ZERO
            description = line.description or _("Series card: %(visits)s × %(service)s") % {
                "visits": line.visits, "service": service.name}
        elif line.kind == LineKind.FREE:
            if price is None or line.vat_percent is None or not line.description.strip():
                raise _invalid(_("A free line needs a description, a price and a VAT rate."))
            percent, exempt, description = Decimal(line.vat_percent), line.vat_exempt, line.description.strip()
            _check_vat(organization, day, percent, exempt)
        else:
            raise _invalid(_("Choose what the line sells."))
        if len(description) > 300:
            raise _invalid(_("Write the line's description in at most 300 characters."))
        prepared.money_lines.append(money.Line(
            unit_price=price, quantity=quantity, vat_percent=Decimal(percent), exempt=exempt,
            discount_percent=Decimal(line.discount_percent or 0), discount_amount=Decimal(line.discount_amount or 0)))
        prepared.descriptions.append(description)
    return prepared


def _price(prepared: _Prepared, sale_discount: Discount | None) -> money.Priced:
    discount = sale_discount or Discount()
    try:
        return money.price(prepared.money_lines, discount_percent=Decimal(discount.percent),
                           discount_amount=Decimal(discount.amount))
    except ValidationError as error:
        raise _invalid(error.messages[0], SaleError.LINE) from error


def _series_amount(card, priced: money.Priced, prepared: _Prepared, visits: int) -> Decimal:
    """What `visits` visits of the card's service are worth on this sale: their share of the matching lines."""
    matching = [(p, i) for p, i in zip(priced.lines, prepared.inputs, strict=True)
                if i.kind == LineKind.SERVICE and i.service is not None and i.service.pk == card.service_id]
    quantity = sum((Decimal(i.quantity) for _p, i in matching), Decimal(0))
    if not matching or quantity < visits:
        raise Conflict(SaleError.CARD_SERVICE, _("The series card pays only for %(service)s.") % {
            "service": card.service.name if card.service else ""})
    gross = sum((p.gross for p, _i in matching), ZERO)
    return money.cents(gross * visits / quantity)


def _open_session(organization: Organization, location) -> TillSession | None:
    """The location's open till session, locked until the sale commits: closing takes the same lock, so no
    sale slips in between the Z report's figures and the close."""
    return (TillSession.objects.select_for_update(of=("self",))
            .filter(organization=organization, till__location=location, closed_at=None).order_by("pk").first())


def _settle(total: Decimal, tenders: Sequence[money.Tender], country: str) -> money.Settlement:
    try:
        return money.settle(total, tenders, country)
    except ValidationError as error:
        raise _invalid(error.messages[0], SaleError.TENDER) from error


def _store_tenders(sale: Sale, tenders: Sequence[TenderInput], cards: list,
                   settlement: money.Settlement) -> list[tuple[TenderInput, object, SaleTender, Decimal]]:
    """One payment row per tender as settled (settle() puts the cash last): the other tenders in their order,
    and every cash entry as one cash row net of the change. Returns (tender, card, row, amount) for each row."""
    applied = iter(settlement.applied)
    cash = next((t.amount for t in settlement.applied if t.method == TenderMethod.CASH), None)
    stored, cash_done = [], False
    for tender, card in zip(tenders, cards, strict=True):
        if tender.method == TenderMethod.CASH:
            if cash_done:
                continue  # several cash entries are one cash payment, net of the change
            cash_done, amount = True, cash
        else:
            amount = next(applied).amount
        row = SaleTender.objects.create(organization_id=sale.organization_id, sale=sale, method=tender.method,
                                        amount=amount, voucher=card, reference=(tender.reference or "")[:100])
        stored.append((tender, card, row, amount))
    return stored


def _seller(organization: Organization, location) -> tuple[str, str, str]:
    lines = address_lines(street=organization.street_address, postal_code=organization.postal_code,
                          city=organization.city, country=organization.country)
    if not lines and location.address:
        lines = [location.address]
    return organization.name, organization.business_id, "\n".join(lines)


def _payer(client) -> tuple[str, str, str]:
    if client is None:
        return "", "", ""
    address = client.billing_address or "\n".join(address_of(client, country=client.organization.country))
    return client.billing_name or client.display_name, address, client.business_id


@transaction.atomic
def sale_complete(*, organization: Organization, location, lines: Sequence[LineInput],
                  tenders: Sequence[TenderInput], actor: Actor, client=None, appointment=None,
                  sale_discount: Discount | None = None, email_to: str = "", note: str = "") -> Sale:
    """Sell `lines`, paid by `tenders`: the receipt with its number, stock, cards and payments, or a refusal."""
    if location.organization_id != organization.pk:
        raise _invalid(_("Choose a location of this organization."))
    if client is not None:
        if client.organization_id != organization.pk:
            raise _invalid(_("Choose a client of this organization."))
        if client.is_restricted:
            raise Conflict(SaleError.CLIENT, _("This client's data is restricted: it may be stored but not "
                                               "otherwise used."))
    if appointment is not None:
        if appointment.organization_id != organization.pk:
            raise _invalid(_("Choose an appointment of this organization."))
        client = client or appointment.client
    now = timezone.now()
    day = timezone.localdate(now)
    note, email_to = (note or "").strip(), (email_to or "").strip()
    if len(note) > 300:
        raise _invalid(_("Write the note in at most 300 characters."))
    prepared = _prepare(organization, lines, day)
    priced = _price(prepared, sale_discount)

    cards: list = []
    entered: list[money.Tender] = []
    for tender in tenders:
        if tender.method not in TenderMethod.values:
            raise _invalid(_("Choose how the payment was made."), SaleError.TENDER)
        card = None
        amount = Decimal(tender.amount or 0)
        if tender.method == TenderMethod.GIFT_CARD:
            card = locked_voucher(organization=organization, code=tender.code, kind=VoucherKind.GIFT_CARD)
        elif tender.method == TenderMethod.SERIES_CARD:
            card = locked_voucher(organization=organization, code=tender.code, kind=VoucherKind.SERIES_CARD)
            amount = _series_amount(card, priced, prepared, tender.visits)
        if card is not None and card.currency != currency_of(organization):
            raise Conflict(SaleError.CARD_UNKNOWN, _("No gift or series card has this code."))
        cards.append(card)
        entered.append(money.Tender(tender.method, amount))
    settlement = _settle(priced.total, entered, organization.country)
    session = _open_session(organization, location)
    if session is None and any(t.method == TenderMethod.CASH for t in tenders):
        raise Conflict(SaleError.NO_TILL, _("Open the till of this location before taking cash."))

    seller_name, seller_id, seller_address = _seller(organization, location)
    payer_name, payer_address, payer_id = _payer(client)
    sale = Sale.objects.create(
        organization=organization, kind=SaleKind.SALE, receipt_number=next_number(organization, DocumentSeries.RECEIPT),
        location=location, till_session=session, client=client, appointment=appointment,
        currency=currency_of(organization),
        language=(client.preferred_language if client and client.preferred_language else
                  organization.default_language),
        seller_name=seller_name, seller_business_id=seller_id, seller_address=seller_address,
        payer_name=payer_name, payer_address=payer_address, payer_business_id=payer_id,
        total=priced.total, discount=priced.discount, vat=priced.vat, rounding=settlement.rounding,
        change=settlement.change, note=note, email_to=email_to, sold_by_user_id=actor.user_id, completed_at=now)

    for position, (line, p, description) in enumerate(
            zip(prepared.inputs, priced.lines, prepared.descriptions, strict=True), start=1):
        voucher = None
        if line.kind in (LineKind.GIFT_CARD, LineKind.SERIES_CARD):
            voucher = voucher_issue(
                organization=organization, kind=line.kind, value=p.gross, currency=sale.currency, client=client,
                service=line.service if line.kind == LineKind.SERIES_CARD else None, visits=line.visits,
                expires_on=line.expires_on)
        row = SaleLine.objects.create(
            organization=organization, sale=sale, position=position, kind=line.kind, description=description,
            quantity=p.line.quantity, unit_price=p.line.unit_price, discount=p.discount, total=p.gross,
            vat_rate=p.line.vat_percent, vat_exempt=p.line.exempt, vat=p.vat,
            service=line.service if line.kind in (LineKind.SERVICE, LineKind.SERIES_CARD) else None,
            product=line.product if line.kind == LineKind.PRODUCT else None, voucher=voucher, staff=line.staff,
            appointment=appointment if line.kind == LineKind.SERVICE else None)
        if line.kind == LineKind.PRODUCT:
            move_stock(product=line.product, change=-int(p.line.quantity), reason=StockReason.SALE,
                       by_user_id=actor.user_id, sale_line=row)

    for tender, card, row, amount in _store_tenders(sale, tenders, cards, settlement):
        if tender.method == TenderMethod.GIFT_CARD:
            redeem_value(card=card, amount=amount, tender=row, appointment=appointment)
        elif tender.method == TenderMethod.SERIES_CARD:
            # a visit held when the appointment was booked online with this card pays now: not taken twice
            held = consume_hold(card=card, appointment_id=appointment.pk, tender=row) if appointment else 0
            if tender.visits > held:
                redeem_visits(card=card, visits=tender.visits - held, tender=row, appointment=appointment)

    if appointment is not None:  # the service paid otherwise than by the card that holds its visit: given back
        release_paid_otherwise(organization_id=organization.pk, appointment_id=appointment.pk, service_ids={
            i.service.pk for i in prepared.inputs if i.kind == LineKind.SERVICE and i.service is not None})
    audit = record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=sale,
                   subject_ref=client.subject_ref if client else None,
                   changed_fields=["total", "lines", "tenders"],
                   detail={"receipt": sale.receipt_number, "lines": len(prepared.inputs), "tenders": len(tenders)})
    publish(SaleCompleted(organization_id=organization.pk, sale_id=sale.pk, client_id=client.pk if client else None,
                          appointment_id=appointment.pk if appointment else None))
    if email_to:
        publish(ReceiptEmailRequested(organization_id=organization.pk, sale_id=sale.pk, audit_event_id=audit.pk))
    return sale


def credited(line: SaleLine) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """What earlier credit receipts took back of `line`: (quantity, total, VAT, discount), as positive figures."""
    sums = SaleLine.objects.filter(credited_line=line).aggregate(q=Sum("quantity"), t=Sum("total"), v=Sum("vat"),
                                                                 d=Sum("discount"))
    return tuple(-(sums[k] or 0) for k in ("q", "t", "v", "d"))  # type: ignore[return-value]


@transaction.atomic
def sale_refund(*, sale: Sale, lines: Sequence[RefundLine], tenders: Sequence[TenderInput], actor: Actor,
                reason: str, online: bool = False) -> Sale:
    """A credit receipt for `lines` of `sale` (quantities returned), paid back by `tenders` (positive amounts).

    Money goes back online only through the gateway (billing.online_payments, which passes `online=True` once the
    gateway has refunded); the counter cannot pay back "online"."""
    organization = sale.organization
    original = Sale.objects.select_for_update().get(organization=organization, pk=sale.pk)  # one refund at a time
    if original.kind != SaleKind.SALE:
        raise Conflict(SaleError.REFUND_OF_CREDIT, _("A credit receipt cannot be refunded."))
    reason = (reason or "").strip()
    if not reason or len(reason) > 300:
        raise _invalid(_("Write why the money is given back, in at most 300 characters."))
    if not lines:
        raise _invalid(_("Choose what is returned."), SaleError.EMPTY)
    figures = []
    for entry in lines:
        line, quantity = entry.line, Decimal(entry.quantity)
        if line.sale_id != original.pk:
            raise _invalid(_("Choose lines of this receipt."))
        done_q, done_t, done_v, done_d = credited(line)
        left = line.quantity - done_q
        if quantity <= 0 or quantity > left:
            raise Conflict(SaleError.REFUND_TOO_MUCH, _("At most %(left)s of “%(line)s” can still be returned.") % {
                "left": money.plain(left), "line": line.description})
        if line.kind in (LineKind.GIFT_CARD, LineKind.SERIES_CARD) and line.voucher_id:
            void_unused(card=line.voucher)
        if quantity == left:  # the last part takes exactly what is left, so the credits add up to the line
            gross, tax, discount = line.total - done_t, line.vat - done_v, line.discount - done_d
        else:
            share = quantity / line.quantity
            gross, tax, discount = (money.cents(line.total * share), money.cents(line.vat * share),
                                    money.cents(line.discount * share))
        figures.append((line, quantity, gross, tax, discount))
    total = -sum((f[2] for f in figures), ZERO)
    cards: list = []
    entered: list[money.Tender] = []
    for tender in tenders:
        if tender.method not in TenderMethod.values or (tender.method == TenderMethod.ONLINE and not online):
            raise _invalid(_("Choose how the money is paid back."), SaleError.TENDER)
        card = None
        amount = Decimal(tender.amount or 0)
        if tender.method in CARD_METHODS:
            card = locked_voucher(organization=organization, code=tender.code)
            if tender.method == TenderMethod.SERIES_CARD:
                if card.kind != VoucherKind.SERIES_CARD:
                    raise Conflict(SaleError.CARD_UNKNOWN, _("No gift or series card has this code."))
                amount = card.visit_value * tender.visits
        cards.append(card)
        entered.append(money.Tender(tender.method, -amount))
    settlement = _settle(total, entered, organization.country)
    session = _open_session(organization, original.location)
    if session is None and any(t.method == TenderMethod.CASH for t in tenders):
        raise Conflict(SaleError.NO_TILL, _("Open the till of this location before paying cash back."))

    credit = Sale.objects.create(
        organization=organization, kind=SaleKind.CREDIT, refers_to=original,
        receipt_number=next_number(organization, DocumentSeries.RECEIPT), location=original.location,
        till_session=session, client=original.client, appointment=original.appointment, currency=original.currency,
        language=original.language, seller_name=original.seller_name, seller_business_id=original.seller_business_id,
        seller_address=original.seller_address, payer_name=original.payer_name,
        payer_address=original.payer_address, payer_business_id=original.payer_business_id, total=total,
        discount=-sum((f[4] for f in figures), ZERO), vat=-sum((f[3] for f in figures), ZERO),
        rounding=settlement.rounding, change=settlement.change, note=reason, sold_by_user_id=actor.user_id,
        completed_at=timezone.now())
    for position, (line, quantity, gross, tax, discount) in enumerate(figures, start=1):
        row = SaleLine.objects.create(
            organization=organization, sale=credit, position=position, kind=line.kind, description=line.description,
            quantity=-quantity, unit_price=line.unit_price, discount=-discount, total=-gross, vat_rate=line.vat_rate,
            vat_exempt=line.vat_exempt, vat=-tax, service=line.service, product=line.product, voucher=line.voucher,
            staff=line.staff, appointment=line.appointment, credited_line=line)
        if line.kind == LineKind.PRODUCT and line.product_id:
            move_stock(product=line.product, change=int(quantity), reason=StockReason.RETURN,
                       by_user_id=actor.user_id, sale_line=row)
    for tender, card, row, amount in _store_tenders(credit, tenders, cards, settlement):
        if card is not None:
            give_back(card=card, amount=-amount, visits=tender.visits if tender.method == TenderMethod.SERIES_CARD
                      else 0, tender=row)

    client = original.client
    record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=credit,
           subject_ref=client.subject_ref if client else None, changed_fields=["total", "lines", "tenders"],
           detail={"receipt": credit.receipt_number, "refers_to": original.receipt_number, "lines": len(figures)})
    publish(SaleRefunded(organization_id=organization.pk, sale_id=credit.pk, refers_to_id=original.pk,
                         client_id=client.pk if client else None))
    return credit


@transaction.atomic
def receipt_send(*, sale: Sale, email_to: str, actor: Actor) -> Sale:
    """Email a copy of a receipt (through the outbox, by notify) to `email_to`."""
    from django.core.validators import validate_email

    email_to = (email_to or "").strip()
    try:
        validate_email(email_to)
    except ValidationError as error:
        raise _invalid(_("Enter a valid email address."), SaleError.EMAIL) from error
    if sale.restricted_until is not None:
        raise Conflict(SaleError.CLIENT, _("This receipt is kept only for accounting and cannot be sent."))
    Sale.objects.filter(organization_id=sale.organization_id, pk=sale.pk).update(email_to=email_to)
    sale.email_to = email_to
    audit = record(organization=sale.organization, actor=actor, action=AuditAction.UPDATE, obj=sale,
                   subject_ref=sale.client.subject_ref if sale.client_id else None, changed_fields=["email_to"])
    publish(ReceiptEmailRequested(organization_id=sale.organization_id, sale_id=sale.pk, audit_event_id=audit.pk))
    return sale


@dataclass(frozen=True)
class Preview:
    """What the checkout page shows while the basket is filled in: nothing is written or locked."""

    total: Decimal = ZERO
    discount: Decimal = ZERO
    vat: Decimal = ZERO
    paid: Decimal = ZERO  # by the payments entered so far (cash as handed over)
    left: Decimal = ZERO  # still to pay (cash: rounded as cash is)
    change: Decimal = ZERO
    rounding: Decimal = ZERO
    message: str = ""  # why the basket cannot be priced yet


def sale_preview(*, organization: Organization, lines: Sequence[LineInput], tenders: Sequence[TenderInput],
                 sale_discount: Discount | None = None) -> Preview:
    """The totals of a basket and what is left to pay after the payments entered so far."""
    from billing.models import Voucher
    from billing.vouchers import normalise_code

    if not lines:
        return Preview()
    try:
        prepared = _prepare(organization, lines, timezone.localdate())
        priced = _price(prepared, sale_discount)
    except ValidationError as error:
        return Preview(message=error.messages[0])
    other = ZERO
    cash = ZERO
    for tender in tenders:
        amount = Decimal(tender.amount or 0)
        if tender.method == TenderMethod.SERIES_CARD:
            card = Voucher.objects.filter(organization=organization, code=normalise_code(tender.code),
                                          kind=VoucherKind.SERIES_CARD).first()
            try:
                amount = _series_amount(card, priced, prepared, tender.visits) if card else ZERO
            except ValidationError:
                amount = ZERO
        if tender.method == TenderMethod.CASH:
            cash += amount
        else:
            other += amount
    left = max(priced.total - other, ZERO)
    rounding = ZERO
    change = ZERO
    if cash and left:
        due = money.round_cash(left, organization.country)
        rounding, change = due - left, max(cash - due, ZERO)
        left = max(due - cash, ZERO)
    return Preview(total=priced.total, discount=priced.discount, vat=priced.vat, paid=other + cash,
                   left=left, change=change, rounding=rounding)
