"""The owner's catalog pages: products, stock, low stock, commission; reception cannot edit prices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import CommissionRate, Product
from billing.products import product_save
from web.tests.privacy_helpers import SYSTEM, english, url

pytestmark = pytest.mark.django_db


def test_the_owner_creates_a_product_counts_stock_and_sees_it_low(world, client_for):
    owner = english(client_for(world.owner))
    form = owner.get(url(world, "web:product_new")).content.decode()
    assert "25.5 %" in form and 'value="24"' not in form  # only the rates valid today
    response = owner.post(url(world, "web:product_new"), {"name": "Shampoo", "price": "12.90", "vat": "25.5",
                                                           "ean": "4006381333931", "low_stock_at": "2",
                                                           "is_active": "on"})
    assert response.status_code == 302
    product = Product.objects.get(organization=world.org)
    assert (product.price, product.vat_rate, product.ean) == (Decimal("12.90"), Decimal("25.5"), "4006381333931")
    stock = url(world, "web:product_stock", product_id=product.pk)
    assert owner.post(stock, {"action": "delivery", "quantity": "6"}).status_code == 302
    assert owner.post(stock, {"action": "count", "quantity": "2", "note": "Shelf"}).status_code == 302
    assert Product.objects.get(pk=product.pk).stock == 2
    page = owner.get(url(world, "web:product_edit", product_id=product.pk)).content.decode()
    assert "Stock count" in page and "-4" in page and "Shelf" in page
    listing = owner.get(url(world, "web:products")).content.decode()
    assert 'id="low-stock"' in listing and "Shampoo" in listing


def test_a_bad_ean_is_shown_on_the_form(world, client_for):
    owner = english(client_for(world.owner))
    response = owner.post(url(world, "web:product_new"), {"name": "Shampoo", "price": "12.90", "vat": "25.5",
                                                           "ean": "4006381333932", "low_stock_at": "0"})
    assert response.status_code == 422 and "This EAN is not valid" in response.content.decode()
    assert not Product.objects.exists()


def test_reception_and_the_accountant_cannot_edit_prices(world, client_for):
    product = product_save(organization=world.org, actor=SYSTEM, name="Shampoo", price=Decimal("12.90"),
                           vat_rate=Decimal("25.5"))
    for member in (world.reception, world.accountant, world.practitioner):
        client = client_for(member)
        assert client.get(url(world, "web:products")).status_code == 404
        assert client.post(url(world, "web:product_edit", product_id=product.pk),
                           {"name": "Cheap", "price": "0.01", "vat": "25.5", "low_stock_at": "0"}).status_code == 404
    assert Product.objects.get(pk=product.pk).price == Decimal("12.90")


def test_the_owner_sets_a_commission_rate(world, client_for):
    owner = english(client_for(world.owner))
    response = owner.post(url(world, "web:commissions"), {"membership": world.practitioner.pk, "target": "default",
                                                          "percent": "12.5"})
    assert response.status_code == 302
    assert CommissionRate.objects.get(membership=world.practitioner).percent == Decimal("12.5")
    bad = owner.post(url(world, "web:commissions"), {"membership": world.outsider.pk, "target": "default",
                                                     "percent": "5"})
    assert bad.status_code == 422 and CommissionRate.objects.count() == 1
