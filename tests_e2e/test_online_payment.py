"""Online prepayment in Chromium against each gateway's local double (issue 18): a customer books, accepts the
policy, pays on the double's hosted page, comes back to a confirmed booking, cancels inside the free window, and
the refund reaches the double. The notification goes from the double to the live server's /pay/notify/<gateway>/."""

from __future__ import annotations

import importlib
import re
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from billing.models import GatewayConnection, OnlinePayment, OnlinePaymentStatus, PaymentPolicy, PolicyKind
from booking.models import Appointment, AppointmentState
from tests_e2e.conftest import shoot
from tilli.test import make_bookable, run_worker

pytestmark = pytest.mark.e2e


def _double(name: str, notify_url: str):
    """The gateway's local double, pointed at the live server where the provider needs a fixed endpoint."""
    if name == "stripe":
        from billing.gateways.doubles.stripe import StripeDouble

        return StripeDouble(webhook_url=notify_url)
    module = importlib.import_module(f"billing.gateways.doubles.{name}")
    double_class = next(value for key, value in vars(module).items() if key.endswith("Double")
                        and isinstance(value, type) and value.__module__ == module.__name__)
    return double_class()


def _refunded(name: str, double, payment: OnlinePayment) -> list[int]:
    """The amounts (minor units) the double refunded for the payment."""
    if name == "stripe":
        return [refund["amount"] for refund in double.refunds_for(payment.provider_ref)]
    if name == "paytrail":
        return list(double.refunds_of(payment.stamp))
    return [int(refund.get("amount", 0)) for refund in double.refunds]


GATEWAYS = [name for name in ("stripe", "paytrail", "przelewy24")
            if importlib.util.find_spec(f"billing.gateways.doubles.{name}") is not None]


@pytest.fixture
def prepaid(e2e_world):
    _location, _staff, service = make_bookable(e2e_world.org, e2e_world.practitioner, duration=45,
                                               price=Decimal("59.00"))
    service.name = "Hieronta 45 min"
    service.save()
    PaymentPolicy.objects.create(organization=e2e_world.org, service=service, kind=PolicyKind.PREPAYMENT,
                                 free_cancellation_hours=24,
                                 text="The massage is paid when booking. Free cancellation until 24 hours before.")
    return service


@pytest.mark.parametrize("name", GATEWAYS)
def test_a_customer_books_pays_comes_back_confirmed_cancels_and_is_refunded(
        page: Page, live_server, e2e_world, prepaid, english, csp_violations, name):
    GatewayConnection.objects.create(organization=e2e_world.org, gateway=name, connected_at=timezone.now())
    notify_url = f"{live_server.url}/pay/notify/{name}/"
    with _double(name, notify_url) as double, override_settings(**double.settings(), SITE_URL=live_server.url):
        page.goto(f"{live_server.url}/b/{e2e_world.org.slug}/")
        page.get_by_role("link", name=re.compile("Hieronta 45 min")).click()
        expect(page.locator("a.day").nth(2)).to_be_visible()
        page.locator("a.day").nth(2).click()
        page.locator("ul.times a").first.click()
        expect(page.get_by_role("heading", name="Your details")).to_be_visible()
        expect(page.get_by_text("To pay now:")).to_contain_text("59.00 EUR")
        expect(page.get_by_text("Free cancellation until 24 hours before.").first).to_be_visible()
        page.get_by_label("First name").fill("Liisa")
        page.get_by_label("Last name").fill("Lahtinen")
        page.get_by_role("textbox", name="Email").fill("liisa@example.test")
        page.get_by_label("Phone").fill("040 765 4321")
        page.get_by_role("button", name="Continue to payment").click()
        expect(page.get_by_text("Accept the payment policy to continue to the payment.")).to_be_visible()
        assert not Appointment.objects.filter(organization=e2e_world.org).exists()
        page.get_by_label(re.compile("I accept the payment policy")).check()
        assert shoot(page, f"80-pay-details-{name}") == []
        page.get_by_role("button", name="Continue to payment").click()

        expect(page.locator("#pay")).to_be_visible()  # the double's hosted page
        assert page.url.startswith(double.url)
        payment = OnlinePayment.objects.get(organization=e2e_world.org)
        assert payment.amount == Decimal("59.00") and payment.appointment.state == AppointmentState.PENDING
        page.locator("#pay").click()

        expect(page.get_by_text("Waiting for the payment confirmation")).to_be_visible()
        payment.refresh_from_db()
        assert payment.status == OnlinePaymentStatus.PAID  # the signed notification reached the live server
        run_worker()  # the payment's event books the held time and queues the confirmation
        expect(page.get_by_role("heading", name="Your booking is confirmed")).to_be_visible(timeout=10000)
        expect(page.get_by_text("Paid online: 59.00 EUR")).to_be_visible()
        assert shoot(page, f"81-pay-confirmed-{name}") == []

        page.get_by_role("link", name="Manage your booking").click()
        page.get_by_role("link", name="Cancel the booking…").click()
        expect(page.get_by_text("is refunded in full")).to_be_visible()
        page.get_by_role("button", name="Yes, cancel the booking").click()
        expect(page.get_by_text("Your booking was cancelled.")).to_be_visible()
        run_worker()  # the cancellation's event requests the refund; the worker sends it to the gateway
        run_worker()
        payment.refresh_from_db()
        assert _refunded(name, double, payment) == [5900]
        if payment.status != OnlinePaymentStatus.REFUNDED:  # a gateway that confirms refunds by notification
            double.wait_deliveries() if hasattr(double, "wait_deliveries") else None
            run_worker()
            payment.refresh_from_db()
        assert payment.status == OnlinePaymentStatus.REFUNDED
        page.reload()
        expect(page.get_by_text("refunded 59.00 EUR")).to_be_visible()
        assert double.errors == []
    assert csp_violations == []
