"""A payment policy's wording in each language of the booking page: checked as a service's names are, a new version
whenever any language's wording changes, and read in the customer's language, else in the default language."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import translation

from billing.models.online import PaymentPolicy, PolicyKind
from billing.online_payments import policy_wording
from billing.payment_settings import MAX_TEXT, PaymentSettingsError, gateway_connect, policy_save
from kernel.audit import Actor
from kernel.models import AuditEvent
from tilli.errors import Invalid

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
PAYTRAIL = {"PAYMENT_GATEWAYS": ["paytrail"], "PAYTRAIL_ACCOUNT": "375917", "PAYTRAIL_SECRET": "SAIPPUAKAUPPIAS",
            "PAYTRAIL_API_BASE": "http://127.0.0.1:9"}
FI = "Varausmaksu 20 € pidätetään, jos et tule."
SV = "Bokningsavgiften på 20 € behålls om du uteblir."
EN = "The €20 booking fee is kept if you do not come."


@pytest.fixture
def org(world):
    world.org.public_languages = ["fi", "sv", "en"]
    world.org.save(update_fields=["public_languages"])
    with override_settings(**PAYTRAIL):
        gateway_connect(organization=world.org, gateway="paytrail", actor=SYSTEM)
        yield world.org


def save(org, text=FI, **wording):
    with override_settings(**PAYTRAIL):
        return policy_save(organization=org, kind=PolicyKind.DEPOSIT, deposit_amount=Decimal("20.00"),
                           deposit_percent=None, no_show_fee=None, free_cancellation_hours=24, text=text,
                           translations={"text": wording}, actor=SYSTEM)


def refusal(org, **kwargs) -> str:
    with pytest.raises(Invalid) as refused:
        save(org, **kwargs)
    return refused.value.code


def test_the_wording_is_stored_per_language_with_the_default_language_in_text(org):
    policy = save(org, sv=f"  {SV} ", en=EN)
    assert (policy.text, policy.translations) == (FI, {"text": {"sv": SV, "en": EN}})
    assert PaymentPolicy.objects.get(pk=policy.pk).translations == {"text": {"sv": SV, "en": EN}}


def test_changing_one_languages_wording_makes_a_new_version_with_one_audit_row(org):
    first = save(org, sv=SV, en=EN)
    assert save(org, sv=SV, en=EN).version == first.version == 1  # nothing changed: no new version, no audit row
    changed = save(org, sv=SV, en="The booking fee of €20 is kept on a no-show.")
    assert changed.version == 2
    dropped = save(org, sv=SV)  # a language left out has no translation any more
    assert dropped.version == 3 and dropped.translations == {"text": {"sv": SV}}
    rows = AuditEvent.objects.filter(organization=org, object_type="billing.paymentpolicy").order_by("pk")
    assert [row.changed_fields for row in rows][1:] == [["translations"], ["translations"]]


def test_a_language_the_booking_page_does_not_offer_is_refused_in_the_users_language(org):
    with translation.override("fi"), pytest.raises(Invalid) as refused:
        save(org, pl="Zadatek 20 €.")
    assert refused.value.code == PaymentSettingsError.LANGUAGE_NOT_OFFERED
    assert refused.value.message == "pl ei ole ajanvaraussivusi kieliä."
    assert not PaymentPolicy.objects.exists()


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"sv": "x" * (MAX_TEXT + 1)}, PaymentSettingsError.TEXT_TOO_LONG),
    ({"en": "Pay\u202enow"}, PaymentSettingsError.BAD_TEXT),
    ({"en": "Pay\x00now"}, PaymentSettingsError.BAD_TEXT),
    ({"en": 5}, PaymentSettingsError.BAD_TRANSLATIONS),
    ({"fi": "Toinen teksti"}, PaymentSettingsError.BAD_TRANSLATIONS),  # the default language's wording is `text`
    ({"text": "\u202eevil"}, PaymentSettingsError.BAD_TEXT),
])
def test_bad_wording_in_any_language_is_refused_with_a_code(org, kwargs, code):
    if "text" in kwargs:
        assert refusal(org, text=kwargs["text"]) == code
    else:
        assert refusal(org, **kwargs) == code
    assert not PaymentPolicy.objects.exists()


@pytest.mark.parametrize("translations", [["sv"], {"title": {"sv": SV}}, {"text": "sv"}])
def test_translations_not_shaped_as_a_services_are_refused(org, translations):
    with override_settings(**PAYTRAIL), pytest.raises(Invalid) as refused:
        policy_save(organization=org, kind=PolicyKind.NONE, deposit_amount=None, deposit_percent=None,
                    no_show_fee=None, free_cancellation_hours=24, text=FI, translations=translations, actor=SYSTEM)
    assert refused.value.code == PaymentSettingsError.BAD_TRANSLATIONS


def test_the_default_languages_wording_repeated_among_the_translations_is_kept_once(org):
    assert save(org, fi=FI, sv=SV).translations == {"text": {"sv": SV}}


def test_a_reader_gets_their_language_else_the_default_languages_wording(org):
    policy = save(org, sv=SV, en="   ")
    assert policy_wording(policy, "sv") == SV
    assert policy_wording(policy, "en") == FI  # left empty: the default language's
    assert policy_wording(policy, "pl") == FI
    assert policy_wording(policy, "fi") == FI
