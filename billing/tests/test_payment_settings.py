"""Online payment settings: connecting a gateway the deployment offers, and policies whose version follows
their wording and terms, with a translated refusal for every bad value."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import translation

from billing.models.online import GatewayConnection, PaymentPolicy, PolicyKind
from billing.payment_settings import (
    PaymentSettingsError,
    connected_gateways,
    default_policy,
    gateway_choices,
    gateway_connect,
    gateway_disconnect,
    policy_remove,
    policy_save,
)
from kernel.audit import Actor
from kernel.models import AuditEvent, EventRecord
from tilli.errors import Conflict, Invalid, NotFound
from tilli.test import make_bookable

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
PAYTRAIL = {"PAYMENT_GATEWAYS": ["paytrail"], "PAYTRAIL_ACCOUNT": "375917", "PAYTRAIL_SECRET": "SAIPPUAKAUPPIAS",
            "PAYTRAIL_API_BASE": "http://127.0.0.1:9"}
BOTH = {**PAYTRAIL, "PAYMENT_GATEWAYS": ["stripe", "paytrail"], "STRIPE_SECRET_KEY": "sk_test_x",
        "STRIPE_WEBHOOK_SECRET": "whsec_x", "STRIPE_API_BASE": "http://127.0.0.1:9"}


def terms(**values):
    return {"kind": PolicyKind.DEPOSIT, "deposit_amount": Decimal("20.00"), "deposit_percent": None,
            "no_show_fee": None, "free_cancellation_hours": 24, "text": "A deposit of 20 € is kept on a no-show."
            } | values


def save(world, service=None, **values):
    return policy_save(organization=world.org, service=service, actor=SYSTEM, **terms(**values))


@pytest.fixture
def paytrail(world):
    with override_settings(**PAYTRAIL):
        gateway_connect(organization=world.org, gateway="paytrail", actor=SYSTEM)
        yield


def test_a_gateway_the_deployment_offers_is_connected_once_with_an_audit_row_and_an_event(world):
    with override_settings(**PAYTRAIL):
        first = gateway_connect(organization=world.org, gateway="paytrail", actor=SYSTEM)
        again = gateway_connect(organization=world.org, gateway="paytrail", actor=SYSTEM)
        assert first.pk == again.pk and connected_gateways(world.org) == ["paytrail"]
        assert connected_gateways(world.other_org) == []
        assert [c["name"] for c in gateway_choices(world.org)] == ["paytrail"]
    assert AuditEvent.objects.filter(organization=world.org, object_type="billing.gatewayconnection").count() == 1
    assert EventRecord.objects.filter(name="billing.gateway_connection_changed",
                                      organization_id=world.org.pk).count() == 1


@pytest.mark.parametrize("name", ["stripe", "przelewy24", "paypal", ""])
def test_a_gateway_the_deployment_does_not_offer_cannot_be_connected(world, name):
    with override_settings(**PAYTRAIL), pytest.raises(Invalid) as refused:
        gateway_connect(organization=world.org, gateway=name, actor=SYSTEM)
    assert refused.value.code == PaymentSettingsError.GATEWAY_NOT_OFFERED
    assert not GatewayConnection.objects.exists()


def test_a_gateway_taken_out_of_the_settings_no_longer_counts_as_connected(world, paytrail):
    with override_settings(PAYMENT_GATEWAYS=[]):
        assert connected_gateways(world.org) == []
        with pytest.raises(Invalid) as refused:
            save(world)
    assert refused.value.code == PaymentSettingsError.NO_GATEWAY


def test_a_policy_that_asks_for_payment_needs_a_connected_gateway(world):
    with override_settings(**PAYTRAIL), translation.override("fi"), pytest.raises(Invalid) as refused:
        save(world)
    assert refused.value.code == PaymentSettingsError.NO_GATEWAY
    assert "maksunvälittäjä" in str(refused.value)  # the refusal is in the person's language
    none = policy_save(organization=world.org, actor=SYSTEM, **terms(kind=PolicyKind.NONE))
    assert none.kind == PolicyKind.NONE and none.deposit_amount is None  # no payment needs no gateway


def test_the_version_goes_up_only_when_the_wording_or_the_terms_change(world, paytrail):
    with override_settings(**PAYTRAIL):
        policy = save(world)
        assert policy.version == 1 and default_policy(world.org) == policy
        assert save(world).version == 1  # the same terms: nothing changed, no new version
        assert save(world, text="Deposit 20 €, kept on a no-show.").version == 2
        assert save(world, text="Deposit 20 €, kept on a no-show.", free_cancellation_hours=48).version == 3
        changed = save(world, deposit_amount=None, deposit_percent=Decimal("30"))
    assert (changed.version, changed.deposit_amount, changed.deposit_percent) == (4, None, Decimal("30.00"))
    assert AuditEvent.objects.filter(organization=world.org, object_type="billing.paymentpolicy").count() == 4
    assert EventRecord.objects.filter(name="billing.payment_policy_saved").count() == 4


def test_a_service_has_its_own_policy_beside_the_default_and_can_follow_the_default_again(world, paytrail):
    _, _, service = make_bookable(world.org, world.practitioner)
    with override_settings(**PAYTRAIL):
        default = save(world)
        own = save(world, service=service, kind=PolicyKind.PREPAYMENT, deposit_amount=None)
    assert own.pk != default.pk and own.service == service and own.deposit_amount is None
    policy_remove(organization=world.org, service=service, actor=SYSTEM)
    assert list(PaymentPolicy.objects.all()) == [default]


def test_another_organizations_service_is_not_found(world, paytrail):
    _, _, foreign = make_bookable(world.other_org, world.outsider)
    with override_settings(**PAYTRAIL), pytest.raises(NotFound):
        save(world, service=foreign)
    with pytest.raises(NotFound):
        policy_remove(organization=world.org, service=foreign, actor=SYSTEM)


@pytest.mark.parametrize(("values", "code"), [
    ({"deposit_amount": None}, PaymentSettingsError.DEPOSIT_MISSING),
    ({"deposit_percent": Decimal("10")}, PaymentSettingsError.DEPOSIT_BOTH),
    ({"deposit_amount": None, "deposit_percent": Decimal("0")}, PaymentSettingsError.BAD_PERCENT),
    ({"deposit_amount": None, "deposit_percent": Decimal("100.01")}, PaymentSettingsError.BAD_PERCENT),
    ({"deposit_amount": None, "deposit_percent": "NaN"}, PaymentSettingsError.BAD_PERCENT),
    ({"deposit_amount": Decimal("0")}, PaymentSettingsError.BAD_AMOUNT),
    ({"deposit_amount": Decimal("-5")}, PaymentSettingsError.BAD_AMOUNT),
    ({"deposit_amount": Decimal("1.001")}, PaymentSettingsError.BAD_AMOUNT),
    ({"deposit_amount": "1e20"}, PaymentSettingsError.BAD_AMOUNT),
    ({"no_show_fee": Decimal("-0.01")}, PaymentSettingsError.BAD_FEE),
    ({"free_cancellation_hours": -1}, PaymentSettingsError.BAD_HOURS),
    ({"free_cancellation_hours": 100_000}, PaymentSettingsError.BAD_HOURS),
    ({"kind": "everything"}, PaymentSettingsError.BAD_KIND),
    ({"text": "x" * 4001}, PaymentSettingsError.TEXT_TOO_LONG),
    ({"kind": PolicyKind.CARD_GUARANTEE, "no_show_fee": None}, PaymentSettingsError.FEE_MISSING),
])
def test_bad_terms_are_refused_with_a_code_and_nothing_is_saved(world, paytrail, values, code):
    with override_settings(**PAYTRAIL), pytest.raises(Invalid) as refused:
        save(world, **values)
    assert refused.value.code == code and str(refused.value)
    assert not PaymentPolicy.objects.exists()


def test_a_fee_of_zero_is_allowed_and_a_percentage_is_kept_to_the_cent(world, paytrail):
    with override_settings(**PAYTRAIL):
        policy = save(world, deposit_amount=None, deposit_percent=Decimal("12.5"), no_show_fee=Decimal("0"))
    assert (policy.deposit_percent, policy.no_show_fee) == (Decimal("12.50"), Decimal("0.00"))


def test_a_card_guarantee_needs_a_gateway_that_keeps_a_card_on_file(world, paytrail):
    card = {"kind": PolicyKind.CARD_GUARANTEE, "deposit_amount": None, "no_show_fee": Decimal("25.00")}
    with override_settings(**BOTH):
        with pytest.raises(Invalid) as refused:
            save(world, **card)  # Paytrail keeps no card on file
        assert refused.value.code == PaymentSettingsError.NO_CARD_GATEWAY
        gateway_connect(organization=world.org, gateway="stripe", actor=SYSTEM)
        policy = save(world, **card)
        assert (policy.kind, policy.no_show_fee) == (PolicyKind.CARD_GUARANTEE, Decimal("25.00"))
        stripe = GatewayConnection.objects.get(gateway="stripe")
        with pytest.raises(Conflict) as in_use:  # the card guarantee still needs Stripe
            gateway_disconnect(connection=stripe, actor=SYSTEM)
        assert in_use.value.code == PaymentSettingsError.GATEWAY_IN_USE
        assert connected_gateways(world.org) == ["stripe", "paytrail"]


def test_a_gateway_no_policy_needs_is_disconnected_and_can_be_connected_again(world, paytrail):
    with override_settings(**PAYTRAIL):
        connection = GatewayConnection.objects.get(organization=world.org)
        save(world)
        with pytest.raises(Conflict):
            gateway_disconnect(connection=connection, actor=SYSTEM)
        save(world, kind=PolicyKind.NONE)
        gateway_disconnect(connection=connection, actor=SYSTEM)
        assert connected_gateways(world.org) == []
        again = gateway_connect(organization=world.org, gateway="paytrail", actor=SYSTEM)
    assert again.pk == connection.pk and again.enabled
    assert EventRecord.objects.filter(name="billing.gateway_connection_changed").count() == 3


def test_przelewy24_is_asked_to_check_the_credentials_before_it_is_connected(world):
    from billing.gateways.doubles.przelewy24 import Przelewy24Double

    with Przelewy24Double() as double:
        with override_settings(**{**double.settings(), "P24_API_KEY": "not-the-key"}), \
                pytest.raises(Conflict) as refused:
            gateway_connect(organization=world.org, gateway="przelewy24", actor=SYSTEM)
        assert refused.value.code == PaymentSettingsError.GATEWAY_REFUSED and "not-the-key" not in str(refused.value)
        assert double.errors and all("Basic auth" in e for e in double.errors)  # the wrong key, sent on purpose
        double.errors.clear()
        assert not GatewayConnection.objects.exists()
        with override_settings(**double.settings()):
            double.fail_next("503")
            with pytest.raises(Conflict):  # the gateway down: not connected, the owner tries again later
                gateway_connect(organization=world.org, gateway="przelewy24", actor=SYSTEM)
            connection = gateway_connect(organization=world.org, gateway="przelewy24", actor=SYSTEM)
        assert connection.enabled and double.requests.count(("GET", "/api/v1/testAccess")) == 3
        assert double.errors == []
    with override_settings(PAYMENT_GATEWAYS=["przelewy24"]):
        assert connected_gateways(world.org) == ["przelewy24"]
