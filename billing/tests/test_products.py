"""Products: gross price with a VAT rate valid today, a checked EAN; stock deliveries, counts and losses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.models import CommissionRate, Product, StockMovement, StockReason
from billing.products import (
    commission_rate_set,
    low_stock,
    movements,
    product_save,
    stock_count,
    stock_delivery,
    stock_loss,
)
from kernel.audit import Actor
from kernel.models import AuditEvent
from tilli.errors import Conflict, Invalid, NotFound

SYSTEM = Actor.system("test")


def save(world, **data):
    values = {"name": "Shampoo", "price": Decimal("12.90"), "vat_rate": Decimal("25.5")} | data
    return product_save(organization=world.org, actor=SYSTEM, **values)


@pytest.mark.django_db
def test_a_product_is_saved_with_a_valid_ean_and_an_audit_row(world):
    product = save(world, ean="4006381333931", sku="SH-1")
    assert (product.ean, product.currency, product.stock) == ("4006381333931", "EUR", 0)
    assert AuditEvent.objects.filter(organization=world.org, object_type="billing.product",
                                     object_id=str(product.pk)).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "code"), [
    ({"ean": "4006381333932"}, "bad_ean"),  # wrong check digit
    ({"ean": "12345"}, "bad_ean"),
    ({"vat_rate": Decimal("24")}, "bad_vat"),  # Finland's old standard rate: no longer valid
    ({"vat_rate": Decimal("23")}, "bad_vat"),  # a Polish rate in Finland
    ({"price": Decimal("-1")}, "bad_price"),
    ({"price": Decimal("1.005")}, "bad_price"),
])
def test_bad_input_is_refused_with_a_code(world, data, code):
    with pytest.raises(Invalid) as refused:
        save(world, **data)
    assert refused.value.code == code
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_a_blank_name_is_refused(world):
    with pytest.raises(ValidationError):
        save(world, name=" ")


@pytest.mark.django_db
def test_polish_exempt_rate_is_valid_in_poland_only(world):
    product = product_save(organization=world.other_org, actor=SYSTEM, name="Masaż", price=Decimal("100"),
                           vat_rate=Decimal("0"), vat_exempt=True)
    assert product.vat_exempt and product.currency == "PLN"
    with pytest.raises(Invalid):
        save(world, vat_rate=Decimal("0"), vat_exempt=True)


@pytest.mark.django_db
def test_duplicate_sku_is_a_conflict_but_another_organization_may_use_it(world):
    save(world, sku="SH-1")
    with pytest.raises(Conflict):
        save(world, sku="SH-1", name="Other")
    product_save(organization=world.other_org, actor=SYSTEM, name="Szampon", price=Decimal("10"),
                 vat_rate=Decimal("23"), sku="SH-1")


@pytest.mark.django_db
def test_delivery_count_and_loss_move_the_stock_and_record_why(world):
    product = save(world, low_stock_at=3)
    stock_delivery(organization=world.org, product=product, quantity=10, actor=SYSTEM, note="Order 17")
    stock_loss(organization=world.org, product=product, quantity=2, actor=SYSTEM, note="Broken")
    count = stock_count(organization=world.org, product=product, counted=5, actor=SYSTEM)
    assert count.change == -3 and count.stock_after == 5
    assert Product.objects.get(pk=product.pk).stock == 5
    assert [m.reason for m in movements(world.org, product)] == [StockReason.COUNT, StockReason.LOSS,
                                                                 StockReason.DELIVERY]
    assert list(low_stock(world.org)) == []
    stock_loss(organization=world.org, product=product, quantity=2, actor=SYSTEM)
    assert list(low_stock(world.org)) == [product]
    assert sum(StockMovement.objects.filter(product=product).values_list("change", flat=True)) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, -1, 1.5, "3", True])
def test_a_quantity_must_be_a_positive_whole_number(world, quantity):
    product = save(world)
    with pytest.raises(Invalid):
        stock_delivery(organization=world.org, product=product, quantity=quantity, actor=SYSTEM)


@pytest.mark.django_db
def test_another_organizations_product_cannot_be_moved_or_edited(world):
    product = save(world)
    with pytest.raises(NotFound):
        stock_delivery(organization=world.other_org, product=product, quantity=1, actor=SYSTEM)
    with pytest.raises(NotFound):
        product_save(organization=world.other_org, actor=SYSTEM, product=product, name="x", price=Decimal("1"),
                     vat_rate=Decimal("23"))


@pytest.mark.django_db
def test_commission_rates_are_set_changed_and_removed(world):
    product = save(world)
    commission_rate_set(organization=world.org, actor=SYSTEM, membership=world.practitioner, percent=Decimal("10"))
    commission_rate_set(organization=world.org, actor=SYSTEM, membership=world.practitioner, product=product,
                        percent=Decimal("5"))
    commission_rate_set(organization=world.org, actor=SYSTEM, membership=world.practitioner, percent=Decimal("12"))
    rates = CommissionRate.objects.filter(membership=world.practitioner)
    assert sorted(rates.values_list("percent", flat=True)) == [Decimal("5"), Decimal("12")]
    commission_rate_set(organization=world.org, actor=SYSTEM, membership=world.practitioner, product=product,
                        percent=None)
    assert rates.count() == 1
    with pytest.raises(Invalid):
        commission_rate_set(organization=world.org, actor=SYSTEM, membership=world.practitioner,
                            percent=Decimal("101"))
    with pytest.raises(NotFound):
        commission_rate_set(organization=world.org, actor=SYSTEM, membership=world.outsider, percent=Decimal("1"))
