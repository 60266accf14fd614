"""Stock moves: the one place a product's running stock figure changes.

Called inside the transaction of the action that moves stock (a sale, a return, a delivery, a count),
which writes its own audit row; the movement row is the stock's own ledger."""

from __future__ import annotations

from django.db import connection
from django.db.models import F
from django.utils import timezone

from billing.models import Product, StockMovement


def move_stock(*, product: Product, change: int, reason: str, by_user_id: int | None = None, note: str = "",
               sale_line=None) -> StockMovement:
    """Add `change` (negative: out) to the product's stock and record why.

    The UPDATE with F() takes the row lock, so two tills selling the last bottle both subtract: the
    figure stays the true count (it may go below zero: the shelf, not the system, is the truth)."""
    if not connection.in_atomic_block:
        raise RuntimeError("move_stock must run inside the transaction of the action that moves stock")
    rows = Product.objects.filter(organization_id=product.organization_id, pk=product.pk)
    rows.update(stock=F("stock") + change)
    product.stock = rows.values_list("stock", flat=True).get()
    return StockMovement.objects.create(
        organization_id=product.organization_id, product=product, change=change, stock_after=product.stock,
        reason=reason, sale_line=sale_line, note=note, by_user_id=by_user_id, at=timezone.now())
