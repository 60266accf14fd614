"""Products and their stock (deliveries, counts, losses), and staff commission rates: the owner's catalog.

A product's price is gross; its VAT rate must be one valid today in the organization's country
(billing.vat), so a price list is never saved with a rate that no longer exists. Stock moves go through
billing.stock.move_stock, the one place the running figure changes; a count records the difference
between the shelf and the figure as its movement.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, models, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import ean as ean_number
from stdnum.exceptions import ValidationError as NumberError

from billing import vat
from billing.events import CommissionRateSet, ProductSaved, StockChanged
from billing.models import CommissionRate, Product, StockMovement, StockReason
from billing.stock import move_stock
from kernel.audit import Actor, record
from kernel.events import publish
from kernel.models import AuditAction
from tenancy.models import Membership, Organization
from tilli.errors import Conflict, ErrorCode, Invalid, NotFound

MAX_PRICE = Decimal("99999999.99")
MAX_QUANTITY = 1_000_000


class CatalogError(ErrorCode):
    BAD_PRICE = "bad_price", Invalid  # not whole cents, negative or too large
    BAD_VAT = "bad_vat", Invalid  # not a rate valid today in the organization's country
    BAD_EAN = "bad_ean", Invalid  # the EAN's check digit or length is wrong
    DUPLICATE = "duplicate", Conflict  # another product has the SKU or the EAN
    BAD_QUANTITY = "bad_quantity", Invalid  # not a whole number in range
    BAD_PERCENT = "bad_percent", Invalid  # a commission outside 0..100
    NOT_OURS = "not_found", NotFound  # a product, service or member of another organization


def _currency(organization: Organization) -> str:
    return "PLN" if organization.country == "PL" else "EUR"


def normalise_ean(value: str) -> str:
    value = (value or "").strip().replace(" ", "").replace("-", "")
    if not value:
        return ""
    try:
        return ean_number.validate(value)
    except NumberError:
        raise Invalid(CatalogError.BAD_EAN, _("This EAN is not valid: check the digits.")) from None


def _price(value) -> Decimal:
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        value = Decimal("NaN")
    if not value.is_finite() or value < 0 or value > MAX_PRICE or value != value.quantize(Decimal("0.01")):
        raise Invalid(CatalogError.BAD_PRICE, _("Enter a price of zero or more in whole cents."))
    return value.quantize(Decimal("0.01"))


def _quantity(value, *, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value > MAX_QUANTITY \
            or value < 0 or (value == 0 and not allow_zero):
        raise Invalid(CatalogError.BAD_QUANTITY, _("Enter a whole number of items."))
    return value


@transaction.atomic
def product_save(*, organization: Organization, actor: Actor, product: Product | None = None, name: str,
                 price: Decimal, vat_rate: Decimal, vat_exempt: bool = False, sku: str = "", ean: str = "",
                 low_stock_at: int = 0, is_active: bool = True) -> Product:
    """Create a product or change one; the stock figure is not set here (deliveries and counts set it)."""
    if product is not None and product.organization_id != organization.pk:
        raise NotFound(CatalogError.NOT_OURS, _("Not found."))
    price = _price(price)
    try:
        rate = Decimal(vat_rate)
    except (InvalidOperation, TypeError, ValueError):
        rate = Decimal("-1")
    if not rate.is_finite() or not vat.is_valid(organization.country, timezone.localdate(), rate,
                                                 exempt=bool(vat_exempt)):
        raise Invalid(CatalogError.BAD_VAT, _("Choose a VAT rate valid today."))
    low_stock_at = _quantity(low_stock_at, allow_zero=True)
    created = product is None
    product = product or Product(organization=organization, currency=_currency(organization))
    before = {f: getattr(product, f) for f in ("name", "sku", "ean", "price", "vat_rate", "vat_exempt",
                                                 "low_stock_at", "is_active")}
    product.name, product.sku, product.ean = (name or "").strip(), (sku or "").strip(), normalise_ean(ean)
    product.price, product.vat_rate, product.vat_exempt = price, rate, bool(vat_exempt)
    product.low_stock_at, product.is_active = low_stock_at, bool(is_active)
    product.full_clean(exclude=["organization"], validate_constraints=False)
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        raise Conflict(CatalogError.DUPLICATE, _("Another product has this SKU or EAN.")) from None
    changed = [f for f, old in before.items() if created or getattr(product, f) != old]
    record(organization=organization, actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE,
           obj=product, changed_fields=changed)
    publish(ProductSaved(organization_id=organization.pk, product_id=product.pk,
                         kind="created" if created else "changed"))
    return product


def _move(*, organization: Organization, product: Product, change: int, reason: str, note: str,
          actor: Actor) -> StockMovement:
    if product.organization_id != organization.pk:
        raise NotFound(CatalogError.NOT_OURS, _("Not found."))
    movement = move_stock(product=product, change=change, reason=reason, by_user_id=actor.user_id,
                          note=(note or "").strip()[:200])
    record(organization=organization, actor=actor, action=AuditAction.UPDATE, obj=product,
           changed_fields=["stock"], detail={"reason": reason, "change": change})
    publish(StockChanged(organization_id=organization.pk, product_id=product.pk, movement_id=movement.pk,
                         kind=reason))
    return movement


@transaction.atomic
def stock_delivery(*, organization: Organization, product: Product, quantity: int, actor: Actor,
                   note: str = "") -> StockMovement:
    """Items received from a supplier."""
    return _move(organization=organization, product=product, change=_quantity(quantity), reason=StockReason.DELIVERY,
                 note=note, actor=actor)


@transaction.atomic
def stock_loss(*, organization: Organization, product: Product, quantity: int, actor: Actor,
               note: str = "") -> StockMovement:
    """Items broken, expired, stolen or used in the salon."""
    return _move(organization=organization, product=product, change=-_quantity(quantity), reason=StockReason.LOSS,
                 note=note, actor=actor)


@transaction.atomic
def stock_count(*, organization: Organization, product: Product, counted: int, actor: Actor,
                note: str = "") -> StockMovement:
    """The shelf was counted: the figure becomes `counted`, the movement records the difference.

    The product row is locked before the difference is taken, so a sale at the same moment is
    either before the count (and counted) or after it (and subtracted from the counted figure)."""
    counted = _quantity(counted, allow_zero=True)
    if product.organization_id != organization.pk:
        raise NotFound(CatalogError.NOT_OURS, _("Not found."))
    current = Product.objects.select_for_update().filter(organization=organization, pk=product.pk) \
        .values_list("stock", flat=True).get()
    return _move(organization=organization, product=product, change=counted - current, reason=StockReason.COUNT,
                 note=note, actor=actor)


@transaction.atomic
def commission_rate_set(*, organization: Organization, actor: Actor, membership: Membership,
                        percent: Decimal | None, service: models.Model | None = None,
                        product: Product | None = None) -> CommissionRate | None:
    """Set a staff member's commission on a service, a product, or (neither) their default; None removes it."""
    for obj in (membership, service, product):
        if obj is not None and obj.organization_id != organization.pk:
            raise NotFound(CatalogError.NOT_OURS, _("Not found."))
    if service is not None and product is not None:
        raise Invalid(CatalogError.BAD_PERCENT, _("Choose a service or a product, not both."))
    rates = CommissionRate.objects.for_organization(organization).filter(membership=membership, service=service,
                                                                          product=product)
    if percent is None:
        deleted, _rows = rates.delete()
        if deleted:
            record(organization=organization, actor=actor, action=AuditAction.DELETE,
                   object_type="billing.commissionrate",
                   object_id=str(membership.pk), changed_fields=["percent"])
            publish(CommissionRateSet(organization_id=organization.pk, membership_id=membership.pk))
        return None
    try:
        percent = Decimal(percent)
    except (InvalidOperation, TypeError, ValueError):
        percent = Decimal("-1")
    if not percent.is_finite() or not Decimal(0) <= percent <= Decimal(100) \
            or percent != percent.quantize(Decimal("0.01")):
        raise Invalid(CatalogError.BAD_PERCENT, _("Enter a commission between 0 and 100 %."))
    rate = rates.select_for_update().first()
    created = rate is None
    if created:
        rate = CommissionRate(organization=organization, membership=membership, service=service, product=product)
    rate.percent = percent
    rate.save()
    record(organization=organization, actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE,
           obj=rate, changed_fields=["percent"])
    publish(CommissionRateSet(organization_id=organization.pk, membership_id=membership.pk))
    return rate


def low_stock(organization: Organization) -> QuerySet[Product]:
    """Products on sale whose stock is at or below their low mark."""
    return (Product.objects.for_organization(organization).filter(is_active=True, stock__lte=F("low_stock_at"))
            .order_by("stock", "name"))


def movements(organization: Organization, product: Product) -> QuerySet[StockMovement]:
    return StockMovement.objects.for_organization(organization).filter(product=product).order_by("-at", "-pk")
