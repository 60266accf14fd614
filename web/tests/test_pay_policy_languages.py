"""The payment policy in each language of the booking page: the owner writes it per language (one field each, named
by its language), a visitor reads it in the page's language (else the default language's), and the payment stores
the wording that visitor was shown and accepted."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from billing.models import GatewayConnection, OnlinePayment, PaymentPolicy, PolicyKind
from tilli.test import make_bookable
from web.tests.test_pay_public import booked, details_url, slot_start, stripe, visitor  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
FI = "Hoito maksetaan kokonaan varattaessa."
SV = "Behandlingen betalas i sin helhet när du bokar."
EN = "The treatment is paid in full when you book."
PAYTRAIL = {"PAYMENT_GATEWAYS": ["paytrail"], "PAYTRAIL_ACCOUNT": "375917", "PAYTRAIL_SECRET": "SAIPPUAKAUPPIAS",
            "PAYTRAIL_API_BASE": "http://127.0.0.1:9", "PAYMENTS_LIVE": False}


@pytest.fixture
def salon(world, stripe):  # noqa: F811 (the Stripe double's fixture)
    world.org.public_languages = ["fi", "sv", "pl", "en"]
    world.org.save(update_fields=["public_languages"])
    _location, staff, service = make_bookable(world.org, world.practitioner, duration=60, price=Decimal("49.00"))
    GatewayConnection.objects.create(organization=world.org, gateway="stripe", connected_at=timezone.now())
    PaymentPolicy.objects.create(organization=world.org, service=service, kind=PolicyKind.PREPAYMENT, text=FI,
                                 translations={"text": {"sv": SV, "en": EN}})
    return staff, service


def shown(world, salon, language: str) -> str:
    staff, service = salon
    html = visitor(language).get(details_url(world.org, service, staff, slot_start(service))).content.decode()
    start = html.index('class="prose pay-policy-text">')
    return html[start:html.index("</div>", start)]


def test_the_payment_step_shows_the_policy_in_the_pages_language(world, salon):
    assert EN in shown(world, salon, "en") and FI not in shown(world, salon, "en")
    assert SV in shown(world, salon, "sv")
    assert FI in shown(world, salon, "fi")


def test_a_language_without_a_translation_shows_the_default_languages_wording(world, salon):
    assert FI in shown(world, salon, "pl")


@pytest.mark.parametrize(("language", "wording"), [("sv", SV), ("en", EN), ("pl", FI)])
def test_the_payment_stores_the_wording_the_visitor_was_shown(world, salon, stripe, language, wording):  # noqa: F811
    assert wording in shown(world, salon, language)
    payment = booked(visitor(language), world, salon, stripe)
    assert OnlinePayment.objects.get(pk=payment.pk).policy_text == wording


@override_settings(**PAYTRAIL)
def test_the_owner_writes_the_policy_in_each_language_of_the_booking_page(world, client_for):
    world.org.public_languages = ["fi", "sv", "en"]
    world.org.save(update_fields=["public_languages"])
    browser = client_for(world.owner)
    browser.cookies["django_language"] = "en"
    settings_url = reverse("web:online_payment_settings", kwargs={"org_slug": world.org.slug})
    assert browser.post(settings_url, {"action": "connect", "gateway": "paytrail"}).status_code == 302
    page = browser.get(settings_url).content.decode()
    for code, name in (("fi", "Suomi"), ("sv", "Svenska"), ("en", "English")):
        assert f'name="text__{code}"' in page
        assert f"Policy shown to the customer before paying ({name})" in page
    assert 'name="text__pl"' not in page  # not a language of this booking page
    terms = {"action": "policy", "kind": "prepayment", "free_cancellation_hours": "24"}
    assert browser.post(settings_url, {**terms, "text__fi": FI, "text__sv": SV, "text__en": EN}).status_code == 302
    policy = PaymentPolicy.objects.get(organization=world.org)
    assert (policy.text, policy.translations, policy.version) == (FI, {"text": {"sv": SV, "en": EN}}, 1)
    page = browser.get(settings_url).content.decode()
    assert SV in page and EN in page  # the saved wording, back in its fields
    assert browser.post(settings_url, {**terms, "text__fi": FI, "text__sv": SV, "text__en": ""}).status_code == 302
    policy.refresh_from_db()
    assert (policy.translations, policy.version) == ({"text": {"sv": SV}}, 2)


@override_settings(**PAYTRAIL)
def test_bad_wording_is_refused_beside_its_language_in_the_owners_language(world, client_for):
    browser = client_for(world.owner)
    browser.cookies["django_language"] = "fi"
    settings_url = reverse("web:online_payment_settings", kwargs={"org_slug": world.org.slug})
    browser.post(settings_url, {"action": "connect", "gateway": "paytrail"})
    refused = browser.post(settings_url, {"action": "policy", "kind": "prepayment", "free_cancellation_hours": "24",
                                          "text__fi": FI, "text__sv": "Betala\u202e nu"})
    assert refused.status_code == 422
    assert list(refused.context["form"].errors) == ["text__sv"]
    assert "Poista piilomerkit" in refused.content.decode()
    assert not PaymentPolicy.objects.exists()


@override_settings(**PAYTRAIL)
def test_another_organizations_owner_cannot_write_a_services_policy(world, client_for):
    _, _, service = make_bookable(world.org, world.practitioner)
    outsider = client_for(world.outsider)
    data = {"action": "policy", "kind": "none", "free_cancellation_hours": "24", "text__fi": "x", "text__en": "y"}
    for slug in (world.other_org.slug, world.org.slug):
        url = reverse("web:online_payment_service", kwargs={"org_slug": slug, "service_id": service.pk})
        assert outsider.post(url, data).status_code in (403, 404)
    assert not PaymentPolicy.objects.exists()
