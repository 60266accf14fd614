"""/api/v1/payment-policies with the wording per language: read back as {"text": {language: wording}}, a new version
when a translation changes, a 422 with a code for a language the booking page does not offer or bad wording, and
nothing of another organization's."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import timezone

from api.tests.test_api import call
from api.tests.test_online_payments_api import PAYTRAIL, token_for  # noqa: F401 (fixture)
from billing.models.online import GatewayConnection, PaymentPolicy
from tilli.test import make_bookable

pytestmark = pytest.mark.django_db
SV = "Bokningsavgiften behålls om du uteblir."
EN = "The booking fee is kept if you do not come."


@pytest.fixture
def org(world):
    world.org.public_languages = ["fi", "sv", "en"]
    world.org.save(update_fields=["public_languages"])
    GatewayConnection.objects.create(organization=world.org, gateway="paytrail", connected_at=timezone.now())
    return world.org


@override_settings(**PAYTRAIL)
def test_the_policy_is_written_and_read_in_each_language(world, org, token_for):  # noqa: F811
    token = token_for(world.owner)
    body = {"kind": "prepayment", "text": "Maksetaan varattaessa.", "translations": {"text": {"sv": SV, "en": EN}}}
    saved = call("PUT", "/payment-policies/default", token, body)
    assert saved.status_code == 200 and saved.json()["translations"] == {"text": {"sv": SV, "en": EN}}
    assert call("GET", "/payment-policies", token).json()["default"]["translations"] == {"text": {"sv": SV, "en": EN}}
    again = call("PUT", "/payment-policies/default", token, body)
    assert again.json()["version"] == 1  # the same wording: no new version
    changed = call("PUT", "/payment-policies/default", token, {**body, "translations": {"text": {"sv": SV}}})
    assert changed.json()["version"] == 2 and changed.json()["translations"] == {"text": {"sv": SV}}
    plain = call("PUT", "/payment-policies/default", token, {"kind": "none"})
    assert plain.json()["translations"] == {"text": {}}


@override_settings(**PAYTRAIL)
@pytest.mark.parametrize(("translations", "code"), [
    ({"text": {"pl": "Zadatek."}}, "policy_language_not_offered"),
    ({"text": {"xx": "?"}}, "policy_language_not_offered"),
    ({"text": {"sv": "Betala\u202e nu"}}, "bad_policy_text"),
    ({"text": {"sv": "x" * 4001}}, "invalid"),
    ({"text": {"sv": 5}}, "invalid"),
    ({"title": {"sv": SV}}, "invalid"),
    ({"text": {"fi": "Eri teksti"}}, "bad_policy_translations"),
])
def test_bad_translations_are_a_422_with_a_code(world, org, token_for, translations, code):  # noqa: F811
    answer = call("PUT", "/payment-policies/default", token_for(world.owner),
                  {"kind": "none", "text": "Ei maksua.", "translations": translations})
    assert answer.status_code == 422 and answer.json()["code"] == code
    assert not PaymentPolicy.objects.exists()


@override_settings(**PAYTRAIL)
def test_another_organizations_service_policy_cannot_be_written(world, org, token_for):  # noqa: F811
    _, _, service = make_bookable(world.org, world.practitioner)
    answer = call("PUT", f"/payment-policies/services/{service.pk}", token_for(world.outsider),
                  {"kind": "none", "translations": {"text": {"en": EN}}})
    assert answer.status_code == 404
    assert not PaymentPolicy.objects.exists()
