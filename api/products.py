"""/api/v1/products: the catalog (owner: MANAGE_CATALOG), stock changes and their history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from api.auth import require
from api.errors import ApiError, ErrorOut
from api.pagination import BoundedLimitOffset
from api.types import Id
from billing.models import Product
from billing.products import low_stock, movements, product_save, stock_count, stock_delivery, stock_loss
from kernel.audit import actor_for_request
from kernel.models import ActorKind
from tenancy.access import scoped
from tenancy.roles import Perm

router = Router(tags=["products"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Quantity = Annotated[int, Field(ge=0, le=1_000_000)]


class ProductIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    price: Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)] = Field(
        description="Gross price, VAT included.")
    vat_rate: Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)] = Field(
        description="A rate valid today in the organization's country (billing.vat), e.g. 25.5.")
    vat_exempt: bool = Field(False, description="Polish exemption (zw); the rate is then 0.")
    sku: str = Field("", max_length=64)
    ean: str = Field("", max_length=20, description="EAN-8 or EAN-13 with a valid check digit.")
    low_stock_at: Quantity = 0
    is_active: bool = True


class ProductOut(Schema):
    id: int
    name: str
    price: Decimal
    currency: str
    vat_rate: Decimal
    vat_exempt: bool
    sku: str
    ean: str
    stock: int
    low_stock_at: int
    is_active: bool


class StockIn(Schema):
    action: Literal["delivery", "count", "loss"] = Field(
        description="delivery: items received; count: the counted figure (the movement is the difference); "
                    "loss: items broken, expired or used.")
    quantity: Quantity
    note: str = Field("", max_length=200)


class MovementOut(Schema):
    id: int
    change: int
    stock_after: int
    reason: str
    note: str
    at: datetime


def _actor(request: HttpRequest):
    return actor_for_request(request, kind=ActorKind.API)


def _product(request: HttpRequest, product_id: int) -> Product:
    require(request, Perm.MANAGE_CATALOG)
    product = scoped(request, Product).filter(pk=product_id).first()
    if product is None:
        raise ApiError(404, "not_found", _("Not found."))
    return product


@router.get("/products", response={200: list[ProductOut], **ERRORS})
@paginate(BoundedLimitOffset)
def products_list(request: HttpRequest, low: bool = False):
    """Products by name; `low=true`: only those at or below their low-stock mark."""
    require(request, Perm.MANAGE_CATALOG)
    if low:
        return low_stock(request.organization)
    return scoped(request, Product).order_by("name", "pk")


@router.post("/products", response={201: ProductOut, **ERRORS})
def products_create(request: HttpRequest, payload: ProductIn):
    require(request, Perm.MANAGE_CATALOG)
    return Status(201, product_save(organization=request.organization, actor=_actor(request), **payload.dict()))


@router.get("/products/{product_id}", response={200: ProductOut, **ERRORS})
def products_read(request: HttpRequest, product_id: Id):
    return _product(request, product_id)


@router.put("/products/{product_id}", response={200: ProductOut, **ERRORS})
def products_update(request: HttpRequest, product_id: Id, payload: ProductIn):
    product = _product(request, product_id)
    return product_save(organization=request.organization, actor=_actor(request), product=product, **payload.dict())


@router.post("/products/{product_id}/stock", response={201: MovementOut, **ERRORS})
def products_stock(request: HttpRequest, product_id: Id, payload: StockIn):
    product = _product(request, product_id)
    common = {"organization": request.organization, "product": product, "actor": _actor(request),
              "note": payload.note}
    if payload.action == "count":
        movement = stock_count(counted=payload.quantity, **common)
    elif payload.action == "delivery":
        movement = stock_delivery(quantity=payload.quantity, **common)
    else:
        movement = stock_loss(quantity=payload.quantity, **common)
    return Status(201, movement)


@router.get("/products/{product_id}/movements", response={200: list[MovementOut], **ERRORS})
@paginate(BoundedLimitOffset)
def products_movements(request: HttpRequest, product_id: int):
    return movements(request.organization, _product(request, product_id))
