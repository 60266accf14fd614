"""/api/v1/public/{org}/appointments with a payment policy: acceptance required, a held booking answered with the
gateway's page and the hold's expiry, the amount and currency from the server (a tampered request is ignored)."""

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client as HttpClient
from django.test import override_settings
from django.utils import timezone

from billing.gateways.doubles.stripe import StripeDouble
from billing.models import GatewayConnection, OnlinePayment, PaymentPolicy, PolicyKind
from booking.models import Appointment
from tilli.test import make_bookable, with_proof

DAY = dt.date.today() + dt.timedelta(days=14 - dt.date.today().weekday())


@pytest.fixture
def stripe() -> Iterator[StripeDouble]:
    cache.clear()
    with StripeDouble() as double, override_settings(**double.settings(), PAYMENT_GATEWAY_TIMEOUT=1):
        yield double
        assert double.errors == []


@pytest.fixture
def service(world, stripe):
    _, _staff, service = make_bookable(world.org, world.practitioner, price=Decimal("60.00"))
    GatewayConnection.objects.create(organization=world.org, gateway="stripe", connected_at=timezone.now())
    PaymentPolicy.objects.create(organization=world.org, kind=PolicyKind.DEPOSIT, deposit_percent=Decimal("25"),
                                 text="A deposit of a quarter of the price.")
    return service


def book(world, service, **extra):
    start = HttpClient().get(f"/api/v1/public/{world.org.slug}/availability?service={service.pk}"
                             f"&start={DAY}&end={DAY}").json()[2]["start"]
    body = {"service_id": service.pk, "start": start, "first_name": "Aino", "last_name": "Aalto",
            "email": "aino@example.test", "phone": "0401112233", **with_proof(world.org), **extra}
    return HttpClient().post(f"/api/v1/public/{world.org.slug}/appointments", data=json.dumps(body),
                             content_type="application/json", headers={"Accept-Language": "en"})


def test_without_accepting_the_policy_nothing_is_held(world, service):
    response = book(world, service)
    assert response.status_code == 422 and response.json()["code"] == "payment_not_accepted"
    assert not Appointment.objects.exists()


def test_a_held_booking_answers_the_payment_page_and_the_hold_with_the_servers_amount(world, service, stripe):
    response = book(world, service, accept_payment=True, amount="0.01", payment_amount="0.01", currency="USD")
    assert response.status_code == 201
    answer = response.json()
    payment = OnlinePayment.objects.get()
    assert answer["state"] == "pending" and answer["payment_url"].startswith(stripe.url)
    assert answer["payment_kind"] == "deposit" and Decimal(answer["payment_amount"]) == Decimal("15.00")
    assert answer["payment_currency"] == "EUR" and answer["hold_until"]
    assert stripe.session_for(payment.stamp)["amount_total"] == 1500
    assert Appointment.objects.get().state == "pending"


def test_a_gateway_that_cannot_start_answers_409_and_holds_nothing(world, service, stripe):
    stripe.fail_next("400")
    response = book(world, service, accept_payment=True)
    assert response.status_code == 409 and response.json()["code"] == "payment_gateway"
    assert Appointment.objects.get().state == "cancelled"
