"""The checkout page's form: a basket of lines and a list of payments, as posted field by field.

The page posts its whole state every time (a line added, a payment split, the sale completed), so it
works without JavaScript and HTMX only swaps the parts. Parsing never raises: each bad value becomes a
translated message beside its field, and only a clean draft is handed to billing.sales.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from billing.models import LineKind, Product, TenderMethod
from billing.sales import Discount, LineInput, TenderInput
from booking.models import Service

MAX_LINES = 60
MAX_TENDERS = 8
ZERO = Decimal("0")


@dataclass
class DraftLine:
    kind: str
    ref: str = ""  # the service's or product's id
    description: str = ""
    quantity: str = "1"
    price: str = ""
    vat: str = ""
    discount: str = ""
    visits: str = ""
    obj: object | None = None  # the service or product, once found in the organization
    errors: list[str] = field(default_factory=list)


@dataclass
class DraftTender:
    method: str = TenderMethod.CARD
    amount: str = ""
    code: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass
class Draft:
    lines: list[DraftLine] = field(default_factory=list)
    tenders: list[DraftTender] = field(default_factory=list)
    discount: str = ""
    email_to: str = ""
    note: str = ""
    client_id: str = ""
    appointment_id: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(x.errors for x in [*self.lines, *self.tenders])


def parse_amount(text: str, *, allow_percent: bool = False) -> tuple[Decimal, bool] | None:
    """"12,50" or "12.50" -> (12.50, False); "10 %" -> (10, True); None when not a number."""
    text = (text or "").strip().replace(" ", "").replace("\u00a0", "").replace(",", ".").replace("€", "")
    percent = allow_percent and text.endswith("%")
    text = text.rstrip("%") if percent else text
    if not text:
        return ZERO, False
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value > Decimal("1000000") or value != value.quantize(Decimal("0.001")):
        return None
    return value, percent


def _get(data, name: str, limit: int = 300) -> str:
    return str(data.get(name, ""))[:limit]


def read_draft(data) -> Draft:
    """The draft as posted (no validation yet)."""
    draft = Draft(discount=_get(data, "discount", 20), email_to=_get(data, "email_to", 254).strip(),
                  note=_get(data, "note"), client_id=_get(data, "client", 20),
                  appointment_id=_get(data, "appointment", 20))
    try:
        count = min(int(data.get("lines", 0)), MAX_LINES)
        tenders = min(int(data.get("tenders", 0)), MAX_TENDERS)
    except (TypeError, ValueError):
        count, tenders = 0, 0
    for i in range(count):
        kind = _get(data, f"l{i}-kind", 20)
        if kind not in LineKind.values:
            continue
        draft.lines.append(DraftLine(
            kind=kind, ref=_get(data, f"l{i}-ref", 20), description=_get(data, f"l{i}-description"),
            quantity=_get(data, f"l{i}-quantity", 20) or "1", price=_get(data, f"l{i}-price", 20),
            vat=_get(data, f"l{i}-vat", 10), discount=_get(data, f"l{i}-discount", 20),
            visits=_get(data, f"l{i}-visits", 5)))
    for i in range(tenders):
        method = _get(data, f"t{i}-method", 20)
        draft.tenders.append(DraftTender(method=method if method in TenderMethod.values else TenderMethod.CARD,
                                         amount=_get(data, f"t{i}-amount", 20), code=_get(data, f"t{i}-code", 30)))
    return draft


def resolve(draft: Draft, organization) -> None:
    """Find each line's service or product in the organization (another organization's id finds nothing)."""
    for line in draft.lines:
        if line.kind in (LineKind.SERVICE, LineKind.SERIES_CARD, LineKind.PRODUCT) and line.obj is None:
            model = Product if line.kind == LineKind.PRODUCT else Service
            line.obj = model.objects.for_organization(organization).filter(pk=line.ref).first() \
                if line.ref.isdigit() else None
            if line.obj is None:
                line.errors.append(_("Choose the service or product again."))


def to_inputs(draft: Draft, *, staff=None) -> tuple[list[LineInput], list[TenderInput], Discount]:
    """The service's inputs from a draft; field errors are put on the draft (check `has_errors`)."""
    lines = []
    for line in draft.lines:
        quantity = parse_amount(line.quantity)
        if quantity is None or quantity[0] <= 0:
            line.errors.append(_("Enter a quantity more than zero."))
            continue
        price = parse_amount(line.price) if line.price.strip() else (None, False)
        if price is None:
            line.errors.append(_("Enter the price as a number, e.g. 49.00."))
            continue
        discount = parse_amount(line.discount, allow_percent=True)
        if discount is None:
            line.errors.append(_("Enter the discount as an amount (5.00) or a percentage (10 %)."))
            continue
        vat = None
        if line.kind == LineKind.FREE:
            vat = parse_amount(line.vat)
            if vat is None or not line.vat.strip():
                line.errors.append(_("Choose a VAT rate."))
                continue
        visits = 0
        if line.kind == LineKind.SERIES_CARD:
            visits = int(line.visits) if line.visits.isdigit() and 0 < int(line.visits) <= 100 else 0
            if not visits:
                line.errors.append(_("Enter the number of visits (1 to 100)."))
                continue
        lines.append(LineInput(
            kind=line.kind, quantity=quantity[0], unit_price=price[0], description=line.description.strip(),
            service=line.obj if line.kind in (LineKind.SERVICE, LineKind.SERIES_CARD) else None,
            product=line.obj if line.kind == LineKind.PRODUCT else None, vat_percent=vat[0] if vat else None,
            discount_percent=discount[0] if discount[1] else ZERO, discount_amount=ZERO if discount[1] else discount[0],
            visits=visits, staff=staff if line.kind == LineKind.SERVICE else None))
    tenders = []
    for tender in draft.tenders:
        amount = parse_amount(tender.amount)
        if amount is None:
            tender.errors.append(_("Enter the amount as a number, e.g. 20.00."))
            continue
        if tender.method in (TenderMethod.GIFT_CARD, TenderMethod.SERIES_CARD) and not tender.code.strip():
            tender.errors.append(_("Enter the card's code."))
            continue
        if tender.method != TenderMethod.SERIES_CARD and amount[0] <= 0:
            continue  # an empty payment row is ignored
        tenders.append(TenderInput(method=tender.method, amount=amount[0], code=tender.code.strip()))
    sale_discount = parse_amount(draft.discount, allow_percent=True)
    if sale_discount is None:
        draft.errors["discount"] = _("Enter the discount as an amount (5.00) or a percentage (10 %).")
        sale_discount = (ZERO, False)
    if draft.email_to:
        try:
            validate_email(draft.email_to)
        except ValidationError:
            draft.errors["email_to"] = _("Enter a valid email address.")
    discount = Discount(percent=sale_discount[0], amount=ZERO) if sale_discount[1] else \
        Discount(amount=sale_discount[0])
    return lines, tenders, discount
