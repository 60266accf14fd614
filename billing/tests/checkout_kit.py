"""Building blocks of the checkout tests: a location with a service and a product, an open till."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from billing.models import Product, Till, TillSession
from billing.sales import LineInput, TenderInput, sale_complete
from kernel.audit import Actor
from tilli.test import make_bookable


@dataclass
class Counter:
    org: object
    location: object
    service: object
    product: object
    actor: Actor


def make_counter(world, *, organization=None, open_till: bool = True, stock: int = 10) -> Counter:
    organization = organization or world.org
    member = world.reception if organization == world.org else world.outsider
    location, _resource, service = make_bookable(organization, member, price=Decimal("49.00"),
                                                 vat_rate=Decimal("25.50") if organization.country == "FI"
                                                 else Decimal("23"))
    product = Product.objects.create(organization=organization, name="Shampoo", sku="SH-1", ean="6400000000017",
                                     price=Decimal("12.90"), vat_rate=Decimal("25.5") if organization.country == "FI"
                                     else Decimal("23"), stock=stock)
    if open_till:
        open_session(organization, location)
    return Counter(org=organization, location=location, service=service, product=product,
                   actor=Actor(kind="user", user_id=member.user_id, role=member.role))


def open_session(organization, location) -> TillSession:
    till = Till.objects.create(organization=organization, location=location, name="Till 1")
    return TillSession.objects.create(organization=organization, till=till, opened_at=timezone.now(),
                                      opening_float=Decimal("100.00"))


def sell(counter: Counter, lines=None, tenders=None, **kwargs):
    lines = [LineInput(kind="service", service=counter.service)] if lines is None else lines
    tenders = tenders if tenders is not None else [TenderInput(method="card", amount=Decimal("49.00"))]
    return sale_complete(organization=counter.org, location=counter.location, lines=lines, tenders=tenders,
                         actor=counter.actor, **kwargs)

