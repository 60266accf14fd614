"""Stock moves keep the running figure equal to the sum of the movements, also from two threads."""

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, transaction
from django.db.models import Sum

from billing.models import Product, StockMovement, StockReason
from billing.stock import move_stock


@pytest.fixture
def product(world):
    return Product.objects.create(organization=world.org, name="Shampoo", price=Decimal("12.90"),
                                  vat_rate=Decimal("25.5"), stock=5)


@pytest.mark.django_db
def test_a_move_changes_the_figure_and_records_why(product):
    with transaction.atomic():
        movement = move_stock(product=product, change=-2, reason=StockReason.SALE)
    assert (movement.stock_after, Product.objects.get(pk=product.pk).stock, product.stock) == (3, 3, 3)


@pytest.mark.django_db(transaction=True)
def test_a_move_refuses_to_run_outside_a_transaction(product):
    with pytest.raises(RuntimeError):
        move_stock(product=product, change=1, reason=StockReason.DELIVERY)


@pytest.mark.django_db(transaction=True)
def test_concurrent_sales_all_subtract(world):
    product = Product.objects.create(organization=world.org, name="Shampoo", price=Decimal("12.90"),
                                     vat_rate=Decimal("25.5"), stock=40)
    errors = []

    def sell():
        try:
            for _ in range(5):
                with transaction.atomic():
                    move_stock(product=Product.objects.get(pk=product.pk), change=-1, reason=StockReason.SALE)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=sell) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Product.objects.get(pk=product.pk).stock == 20
    assert StockMovement.objects.filter(product=product).aggregate(total=Sum("change"))["total"] == -20
