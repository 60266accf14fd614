"""Gift cards and series cards: issued by a sale, redeemed by a sale's payment, given back by a refund.

These run inside the transaction of the sale or refund that moves the card (billing.sales), which writes
the audit row; a card row is locked (SELECT ... FOR UPDATE) before its balance is read, so two tills
redeeming the same card one after the other see each other's use and the second is refused when the
balance or the visits are gone: a card cannot be spent twice.

Both kinds are treated as multi-purpose vouchers for VAT: the card's sale is outside VAT and the VAT is
charged on the services and products it pays for when it is redeemed (see the report's closing note).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Voucher, VoucherKind, VoucherUse
from billing.sale_errors import SaleError
from tenancy.models import Organization
from tilli.errors import Conflict, NotFound

# No 0/O, 1/I/L: a code read aloud over the phone or typed from a printed card is not misread.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
GIFT_CARD_VALID_DAYS = 365
SERIES_CARD_VALID_DAYS = 365


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _i in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(text: str) -> str:
    """A code as typed ("abcd efgh-jkmn", lower case, spaces) in its stored form "ABCD-EFGH-JKMN"."""
    raw = re.sub(r"[^0-9A-Za-z]", "", text or "").upper()
    if len(raw) != CODE_LENGTH:
        return raw[:20]
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def voucher_issue(*, organization: Organization, kind: str, value: Decimal, currency: str, client=None,
                  service=None, visits: int = 0, expires_on: dt.date | None = None) -> Voucher:
    """A new card with a fresh unique code (inside the sale's transaction)."""
    if not connection.in_atomic_block:
        raise RuntimeError("voucher_issue must run inside the transaction of the sale that sells the card")
    now = timezone.now()
    days = GIFT_CARD_VALID_DAYS if kind == VoucherKind.GIFT_CARD else SERIES_CARD_VALID_DAYS
    expires_on = expires_on or (timezone.localdate(now) + dt.timedelta(days=days))
    visit_value = (value / visits).quantize(Decimal("0.01")) if kind == VoucherKind.SERIES_CARD and visits else 0
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Voucher.objects.create(
                    organization=organization, kind=kind, code=new_code(), client=client, currency=currency,
                    initial_value=value, balance=value if kind == VoucherKind.GIFT_CARD else 0, service=service,
                    visits=visits, visits_left=visits, visit_value=visit_value, issued_at=now, expires_on=expires_on)
        except IntegrityError:  # the one-in-a-quintillion clash of codes: draw again
            continue
    raise RuntimeError("no free card code")


def locked_voucher(*, organization: Organization, code: str, kind: str | None = None) -> Voucher:
    """The card with `code`, its row locked for the rest of the transaction; usable today or refused."""
    card = (Voucher.objects.select_for_update().filter(organization=organization, code=normalise_code(code))
            .first())
    if card is None or (kind and card.kind != kind):
        raise NotFound(SaleError.CARD_UNKNOWN, _("No gift or series card has this code."))
    if card.voided_at is not None:
        raise Conflict(SaleError.CARD_VOID, _("This card has been cancelled."))
    if card.expires_on < timezone.localdate():
        raise Conflict(SaleError.CARD_EXPIRED, _("This card expired on %(day)s.") % {
            "day": card.expires_on.isoformat()})
    return card


def redeem_value(*, card: Voucher, amount: Decimal, tender=None, appointment=None) -> VoucherUse:
    """Take `amount` off a locked gift card's balance."""
    if amount > card.balance:
        raise Conflict(SaleError.CARD_BALANCE, _("The gift card's balance is only %(balance)s.") % {
            "balance": card.balance})
    card.balance -= amount
    card.save(update_fields=["balance"])
    return VoucherUse.objects.create(organization_id=card.organization_id, voucher=card, amount=-amount,
                                     tender=tender, appointment=appointment, at=timezone.now())


def redeem_visits(*, card: Voucher, visits: int, tender=None, appointment=None) -> VoucherUse:
    """Take `visits` off a locked series card."""
    if visits < 1 or visits > card.visits_left:
        raise Conflict(SaleError.CARD_BALANCE, _("The series card has only %(visits)s visits left.") % {
            "visits": card.visits_left})
    card.visits_left -= visits
    card.save(update_fields=["visits_left"])
    return VoucherUse.objects.create(organization_id=card.organization_id, voucher=card, visits=-visits,
                                     amount=-(card.visit_value * visits), tender=tender, appointment=appointment,
                                     at=timezone.now())


def give_back(*, card: Voucher, amount: Decimal = Decimal("0"), visits: int = 0, tender=None,
              appointment=None) -> VoucherUse:
    """Put value or visits back on a card (a refund paid back onto it, a cancelled visit)."""
    if card.kind == VoucherKind.SERIES_CARD:
        amount = card.visit_value * visits  # recorded on the use; a series card has no money balance
        card.visits_left += visits
    else:
        card.balance += amount
    card.save(update_fields=["balance", "visits_left"])
    return VoucherUse.objects.create(organization_id=card.organization_id, voucher=card, amount=amount,
                                     visits=visits, tender=tender, appointment=appointment, at=timezone.now())


def void_unused(*, card: Voucher) -> None:
    """Cancel a card whose sale is returned; one already used cannot be returned."""
    card = Voucher.objects.select_for_update().get(pk=card.pk)
    if card.voided_at is not None or card.uses.exists():
        raise Conflict(SaleError.CARD_USED, _("The card %(code)s has been used and cannot be returned.") % {
            "code": card.code})
    card.voided_at = timezone.now()
    card.save(update_fields=["voided_at"])
