"""The arithmetic of a sale: lines, discounts, VAT and cash rounding that always add up.

Prices are entered gross (VAT included), as a salon's price list shows them. Every figure is a
`Decimal` of whole cents. A sum is never recomputed from rounded parts in a different order: a
discount on the whole sale is shared over the lines by the largest-remainder method, and the VAT of a
rate group is computed once from the group's gross and then shared over its lines the same way, so the
lines, the VAT breakdown and the total agree to the cent on every receipt, invoice and report.

Finnish cash rounding (to 0.05 €) applies to the part paid in cash only; what is paid by card or gift
card is paid to the cent. The rounding is recorded on the sale, outside VAT, as the tax authority's
guidance on rounding describes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
# Countries whose cash payments are rounded, and the step (Finland: 1 and 2 cent coins are not used).
CASH_STEP = {"FI": Decimal("0.05")}
# Tender methods that are cash: the one rounded and the one that can give change.
CASH = "cash"


def plain(value: Decimal) -> Decimal:
    """`value` without trailing zeros and never in exponent form (Decimal("10.00").normalize() is 1E+1,
    which would print as "1E+1" on a page, in a CSV or in a message)."""
    value = Decimal(value)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Share `amount` (whole cents) over `weights` in proportion, in whole cents that sum to it exactly.

    Largest remainder: each share is rounded down, and the cents left over go to the largest
    fractional parts (ties to the earlier line), so no cent is created or lost."""
    amount = cents(amount)
    total = sum(weights, ZERO)
    if not weights:
        if amount:
            raise ValueError("nothing to share an amount over")
        return []
    if total == 0:
        if amount:
            raise ValueError("cannot share an amount over lines worth nothing")
        return [ZERO for _w in weights]
    sign = -1 if amount < 0 else 1
    units = abs(amount) / CENT
    exact = [abs(amount) * w / total / CENT for w in weights]
    floors = [e.to_integral_value(rounding=ROUND_FLOOR) for e in exact]
    left = int(units - sum(floors))
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [sign * f * CENT for f in floors]


@dataclass(frozen=True)
class Line:
    """One line as entered: a gross unit price, a quantity and the line's own discount."""

    unit_price: Decimal
    quantity: Decimal
    vat_percent: Decimal
    discount_percent: Decimal = ZERO
    discount_amount: Decimal = ZERO
    exempt: bool = False

    @property
    def vat_key(self) -> tuple[Decimal, bool]:
        return (Decimal(self.vat_percent), self.exempt)


@dataclass(frozen=True)
class PricedLine:
    line: Line
    gross_before_discount: Decimal
    discount: Decimal  # the line's own discount plus its share of the sale's discount
    gross: Decimal
    vat: Decimal

    @property
    def net(self) -> Decimal:
        return self.gross - self.vat


@dataclass(frozen=True)
class VatGroup:
    percent: Decimal
    exempt: bool
    gross: Decimal
    vat: Decimal

    @property
    def net(self) -> Decimal:
        return self.gross - self.vat


@dataclass(frozen=True)
class Priced:
    lines: tuple[PricedLine, ...]
    groups: tuple[VatGroup, ...]  # highest rate first
    total: Decimal
    discount: Decimal

    @property
    def vat(self) -> Decimal:
        return sum((g.vat for g in self.groups), ZERO)


def vat_of(gross: Decimal, percent: Decimal, *, exempt: bool = False) -> Decimal:
    """The VAT included in `gross` at `percent`, in whole cents: how a rate group's VAT is computed."""
    percent = Decimal(percent)
    return ZERO if exempt else cents(Decimal(gross) * percent / (HUNDRED + percent))


def _own_discount(line: Line, gross: Decimal) -> Decimal:
    if line.discount_percent < 0 or line.discount_percent > HUNDRED or line.discount_amount < 0:
        raise ValidationError(_("A discount must be between 0 and the line's price."), code="discount")
    discount = cents(gross * Decimal(line.discount_percent) / HUNDRED) + cents(line.discount_amount)
    if discount > gross:
        raise ValidationError(_("A discount must be between 0 and the line's price."), code="discount")
    return discount


def price(lines: Sequence[Line], *, discount_percent: Decimal = ZERO, discount_amount: Decimal = ZERO) -> Priced:
    """Price a sale: each line's discount, the sale's discount shared over the lines, VAT per rate.

    Quantities and prices are not negative here: a credit receipt mirrors the priced original line by
    line (see `mirrored`) instead of pricing negative amounts."""
    for line in lines:
        if line.quantity <= 0 or line.unit_price < 0:
            raise ValidationError(_("Enter a positive quantity and a price of zero or more."), code="line")
        if line.vat_percent < 0 or (line.exempt and line.vat_percent != 0):
            raise ValidationError(_("Choose a VAT rate."), code="vat")
    before = [cents(Decimal(line.unit_price) * Decimal(line.quantity)) for line in lines]
    own = [_own_discount(line, gross) for line, gross in zip(lines, before, strict=True)]
    after_own = [b - o for b, o in zip(before, own, strict=True)]
    subtotal = sum(after_own, ZERO)
    if discount_percent < 0 or discount_percent > HUNDRED or discount_amount < 0:
        raise ValidationError(_("A discount must be between 0 and the sale's total."), code="discount")
    sale_discount = cents(subtotal * Decimal(discount_percent) / HUNDRED) + cents(discount_amount)
    if sale_discount > subtotal:
        raise ValidationError(_("A discount must be between 0 and the sale's total."), code="discount")
    shares = allocate(sale_discount, after_own) if lines else []
    grosses = [a - s for a, s in zip(after_own, shares, strict=True)]
    vats = [ZERO] * len(lines)
    groups = []
    for key in sorted({line.vat_key for line in lines}, key=lambda k: (k[0], not k[1]), reverse=True):
        members = [i for i, line in enumerate(lines) if line.vat_key == key]
        gross = sum((grosses[i] for i in members), ZERO)
        percent, exempt = key
        vat = vat_of(gross, percent, exempt=exempt)
        for i, share in zip(members, allocate(vat, [grosses[i] for i in members]), strict=True):
            vats[i] = share
        groups.append(VatGroup(percent=percent, exempt=exempt, gross=gross, vat=vat))
    priced = tuple(PricedLine(line=line, gross_before_discount=b, discount=o + s, gross=g, vat=v)
                   for line, b, o, s, g, v in zip(lines, before, own, shares, grosses, vats, strict=True))
    return Priced(lines=priced, groups=tuple(groups), total=sum(grosses, ZERO),
                  discount=sum((p.discount for p in priced), ZERO))


@dataclass(frozen=True)
class Tender:
    """A payment toward a sale as entered; for cash, what the customer handed over."""

    method: str
    amount: Decimal


@dataclass(frozen=True)
class Settlement:
    """How a total was paid: what each tender counts for, the cash rounding and the change given."""

    applied: tuple[Tender, ...]  # cash counts net of the change
    rounding: Decimal  # added to the total; outside VAT
    change: Decimal

    @property
    def paid(self) -> Decimal:
        return sum((t.amount for t in self.applied), ZERO)


def round_cash(amount: Decimal, country: str) -> Decimal:
    """A cash amount as it can be paid in `country` (Finland: to the nearest 0.05 €)."""
    step = CASH_STEP.get(country)
    if step is None:
        return cents(amount)
    return (Decimal(amount) / step).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * step


def settle(total: Decimal, tenders: Sequence[Tender], country: str) -> Settlement:
    """Check that `tenders` pay `total` and work out the cash rounding and the change.

    Non-cash tenders may not pay more than the total; what they leave is paid in cash, rounded as the
    country rounds cash, and cash handed over beyond that is change. A refund (negative total) is paid
    out the same way with the signs turned."""
    sign = -1 if total < 0 else 1
    total = cents(total) * sign
    other = [t for t in tenders if t.method != CASH]
    cash = [t for t in tenders if t.method == CASH]
    if any(Decimal(t.amount) * sign <= 0 for t in tenders):
        raise ValidationError(_("Every payment must be more than zero."), code="tender")
    other_sum = sum((cents(t.amount) * sign for t in other), ZERO)
    if other_sum > total:
        raise ValidationError(_("The payments are more than the total."), code="overpaid")
    left = total - other_sum
    cash_given = sum((cents(t.amount) * sign for t in cash), ZERO)
    if not cash:
        if left:
            raise ValidationError(_("The payments do not cover the total: %(left)s left to pay.")
                                  % {"left": left * sign}, code="underpaid")
        return Settlement(applied=tuple(Tender(t.method, cents(t.amount)) for t in tenders), rounding=ZERO, change=ZERO)
    if not left:
        raise ValidationError(_("Nothing is left to pay in cash."), code="overpaid")
    due = round_cash(left, country)
    if cash_given < due:
        raise ValidationError(_("The payments do not cover the total: %(left)s left to pay.")
                              % {"left": (due - cash_given) * sign}, code="underpaid")
    applied = [Tender(t.method, cents(t.amount)) for t in other] + [Tender(CASH, due * sign)]
    return Settlement(applied=tuple(applied), rounding=(due - left) * sign, change=(cash_given - due) * sign)
