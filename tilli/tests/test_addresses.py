"""Addresses read in their country's order everywhere: street, then postcode and town."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from billing.sales import LineInput, TenderInput, sale_complete
from booking.models import Location
from kernel.audit import Actor
from privacy.breaches import authority_draft, breach_record
from privacy.information import controller_address
from tilli.lib.addresses import address_lines
from tilli.test import make_client
from web.tests.privacy_helpers import english, url

SYSTEM = Actor.system("test")


def test_finnish_and_polish_addresses_put_the_postcode_before_the_town():
    assert address_lines(street="Hämeenkatu 1", postal_code="33100", city="Tampere", country="FI") == [
        "Hämeenkatu 1", "33100 Tampere"]
    assert address_lines(street="ul. Źródlana 5", postal_code="90-001", city="Łódź", country="PL") == [
        "ul. Źródlana 5", "90-001 Łódź"]
    assert address_lines(street="1 High St", postal_code="SW1A 1AA", city="London", country="GB") == [
        "1 High St", "London SW1A 1AA"]
    assert address_lines(city="Tampere") == ["Tampere"] and address_lines() == []


def _addressed(world):
    org = world.org
    org.street_address, org.postal_code, org.city = "Hämeenkatu 1", "33100", "Tampere"
    org.save()
    return org


def test_documents_the_breach_draft_and_receipts_use_the_countrys_order(world):
    org = _addressed(world)
    assert controller_address(org) == "Hämeenkatu 1, 33100 Tampere"
    breach = breach_record(organization=org, actor=SYSTEM, title="Laptop", nature="Stolen laptop",
                           noticed_at=timezone.now() - dt.timedelta(hours=1))
    assert "Hämeenkatu 1, 33100 Tampere" in authority_draft(breach, "en")
    anna = make_client(org, street_address="Kuusitie 7", postal_code="33720", city="Tampere")
    location = Location.objects.create(organization=org, name="Main", time_zone=org.time_zone)
    sale = sale_complete(organization=org, location=location, client=anna, actor=SYSTEM,
                         lines=[LineInput(kind="free", description="Comb", unit_price=Decimal("10.00"),
                                          vat_percent=Decimal("25.5"))],
                         tenders=[TenderInput(method="card", amount=Decimal("10.00"))])
    assert sale.payer_address == "Kuusitie 7\n33720 Tampere"
    assert sale.seller_address == "Hämeenkatu 1\n33100 Tampere"


def test_the_client_page_shows_the_address_in_the_countrys_order(world, client_for):
    anna = make_client(world.org, street_address="Kuusitie 7", postal_code="33720", city="Tampere")
    html = english(client_for(world.owner)).get(url(world, "web:client_detail", client_id=anna.pk)).content.decode()
    assert "Kuusitie 7<br>33720 Tampere" in html
