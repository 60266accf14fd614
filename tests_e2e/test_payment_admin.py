"""The owner's online payment pages in Chromium, in Finnish: connect a gateway (the local Paytrail double) in test
mode, set a deposit policy and see it; the payments list and a payment paid at the Stripe double; screenshots at
phone and desktop widths."""

from __future__ import annotations

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from billing.gateways.doubles.paytrail import PaytrailDouble
from billing.models.online import GatewayConnection, PaymentPolicy, PolicyKind
from billing.tests.payment_admin_kit import paid_payment, shop, stripe_double
from tests_e2e.conftest import open_menu, serious_axe_violations, shoot, sign_in

pytestmark = pytest.mark.e2e


def test_the_owner_connects_a_gateway_and_sets_a_deposit_policy(page: Page, live_server, e2e_world,
                                                                 csp_violations):
    world = e2e_world
    with PaytrailDouble() as paytrail, stripe_double() as stripe, override_settings(
            **{**paytrail.settings(), **stripe.settings(), "PAYMENT_GATEWAYS": ["paytrail", "stripe"]}):
        paid = paid_payment(shop(world), stripe)  # a deposit paid at the Stripe double, for the list
        PaymentPolicy.objects.filter(service=None).delete()
        sign_in(page, live_server.url, world.owner.user.email, world.owner_totp)
        expect(page.locator("html")).to_have_attribute("lang", "fi")
        open_menu(page)
        page.get_by_role("link", name="Verkkomaksut").click()
        expect(page.get_by_role("heading", name="Verkkomaksut")).to_be_visible()
        expect(page.locator("#test-mode")).to_contain_text("TESTITILA")
        expect(page.get_by_role("cell", name="Varausmaksu").first).to_be_visible()
        assert shoot(page, "90-online-payments") == []

        page.get_by_role("link", name="Maksuasetukset").click()
        expect(page.locator("#test-mode")).to_be_visible()
        gateway = page.locator("#gateway-paytrail")
        expect(gateway).to_contain_text("Paytrail Oyj")
        gateway.get_by_role("button", name="Yhdistä Paytrail").click()
        expect(page.get_by_text("Maksunvälittäjä on yhdistetty.")).to_be_visible()
        expect(page.locator("#gateway-paytrail")).to_contain_text("Testitila")
        assert GatewayConnection.objects.filter(organization=world.org, gateway="paytrail", enabled=True).exists()

        page.get_by_label("Varausmaksu", exact=True).check()
        page.get_by_label("Varausmaksu (summa)").fill("15")
        page.get_by_label("Maksuton peruutus (tuntia ennen)").fill("48")
        page.get_by_label("Asiakkaalle ennen maksua näytettävät ehdot (Suomi)").fill(
            "Varausmaksu 15 € veloitetaan varattaessa. Maksuton peruutus 48 tuntia ennen.")
        page.get_by_label("Asiakkaalle ennen maksua näytettävät ehdot (English)").fill(
            "A deposit of €15 is charged when you book. Free cancellation up to 48 hours before.")
        page.get_by_role("button", name="Tallenna ehdot").click()
        expect(page.get_by_text("Maksuehdot on tallennettu.")).to_be_visible()
        expect(page.get_by_label("Varausmaksu (summa)")).to_have_value("15.00")
        expect(page.get_by_role("cell", name="Oletus: Varausmaksu: 15,00")).to_be_visible()
        policy = PaymentPolicy.objects.get(organization=world.org, service=None)
        assert (policy.kind, str(policy.deposit_amount), policy.free_cancellation_hours) == (
            PolicyKind.DEPOSIT, "15.00", 48)
        assert policy.translations == {"text": {"en": "A deposit of €15 is charged when you book. Free cancellation "
                                                      "up to 48 hours before."}}
        assert shoot(page, "91-online-payment-settings") == []
        assert serious_axe_violations(page) == []

        page.get_by_label("Varausmaksu", exact=True).check()
        page.get_by_label("Varausmaksu (prosenttia hinnasta)").fill("20")
        page.get_by_role("button", name="Tallenna ehdot").click()  # both an amount and a percentage
        expect(page.locator(".errors, .error")).to_contain_text("ei molempia")

        page.goto(f"{live_server.url}/o/{world.org.slug}/online-payments/{paid.pk}/")
        expect(page.locator("#payment-status")).to_contain_text("Maksettu")
        expect(page.get_by_role("link", name="Hyvitä")).to_be_visible()  # the staff's refund action
        assert shoot(page, "92-online-payment") == []
        assert serious_axe_violations(page) == []
        page.get_by_role("link", name="Hyvitä").click()
        expect(page.get_by_role("heading", name="Hyvitä verkkomaksu")).to_be_visible()
        assert shoot(page, "93-online-payment-refund") == []
    assert csp_violations == []
