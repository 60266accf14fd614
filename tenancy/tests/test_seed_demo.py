"""The demo data: two businesses with staff in every role, idempotent, scriptable with --json."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as HttpClient

from accounts.models import User
from booking.models import Service, ServiceCategory
from booking.showcase import booking_page_for, booking_page_saved, service_name
from clients.models import Client
from kernel.audit import verify
from tenancy.demo import seed
from tenancy.models import Membership, Organization
from tenancy.roles import Role


def _seed_json(capsys, settings) -> dict:
    settings.DEBUG = True
    call_command("seed_demo", "--json")
    return json.loads(capsys.readouterr().out)


def test_seed_creates_a_finnish_salon_and_a_polish_clinic_with_every_role(db, capsys, settings):
    data = _seed_json(capsys, settings)
    orgs = {o["slug"]: o for o in data["organizations"]}
    assert set(orgs) == {"kaisla", "zdrowie"}
    kaisla = Organization.objects.get(slug="kaisla")
    zdrowie = Organization.objects.get(slug="zdrowie")
    assert (kaisla.country, kaisla.time_zone, kaisla.default_language) == ("FI", "Europe/Helsinki", "fi")
    assert (zdrowie.country, zdrowie.time_zone, zdrowie.default_language) == ("PL", "Europe/Warsaw", "pl")
    for org in (kaisla, zdrowie):
        roles = set(Membership.objects.for_organization(org).values_list("role", flat=True))
        assert roles == set(Role.values)
        assert Client.objects.for_organization(org).count() >= 3
        assert verify(org).ok


def test_seed_is_idempotent(db, capsys, settings):
    _seed_json(capsys, settings)
    counts = (Organization.objects.count(), User.objects.count(), Membership.objects.count(), Client.objects.count())
    _seed_json(capsys, settings)
    assert counts == (Organization.objects.count(), User.objects.count(), Membership.objects.count(),
                      Client.objects.count())


def test_the_json_gives_a_working_owner_api_token_and_sign_in(db, capsys, settings):
    org = _seed_json(capsys, settings)["organizations"][0]
    response = HttpClient().get("/api/v1/me", headers={"Authorization": f"Bearer {org['owner_api_token']}"})
    assert response.json()["role"] == "owner" and response.json()["organization"] == org["slug"]
    assert User.objects.get(email=org["owner_email"]).check_password(org["owner_password"])
    assert len(org["owner_totp_secret"]) == 32


def test_a_second_run_revokes_the_previous_demo_token(db, capsys, settings):
    first = _seed_json(capsys, settings)["organizations"][0]["owner_api_token"]
    _seed_json(capsys, settings)
    assert HttpClient().get("/api/v1/me", headers={"Authorization": f"Bearer {first}"}).status_code == 401


def test_demo_accounts_are_refused_in_production_unless_forced(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="known passwords"):
        call_command("seed_demo")


def test_the_demo_businesses_can_be_booked(db, capsys, settings):
    import datetime as dt

    from booking.models import Service
    from booking.selectors import free_slots

    _seed_json(capsys, settings)
    service = Service.objects.filter(organization__slug="kaisla").first()
    monday = dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday())
    assert free_slots(service, monday, monday + dt.timedelta(days=6))


def test_the_demo_has_two_weeks_of_appointments_without_double_booking_and_a_rerun_adds_none(db, capsys, settings):
    import datetime as dt
    import itertools

    from django.utils import timezone

    from billing.models import Sale
    from booking.models import ACTIVE_STATES, Appointment, AppointmentState, Occupancy

    _seed_json(capsys, settings)
    now = timezone.now()
    for org in Organization.objects.filter(slug__in=["kaisla", "zdrowie"]):
        appointments = list(Appointment.objects.for_organization(org))
        past = [a for a in appointments if a.end <= now]
        future = [a for a in appointments if a.start > now]
        assert len(past) >= 20 and len(future) >= 20
        assert min(a.start for a in appointments) < now - dt.timedelta(days=5)
        assert max(a.start for a in appointments) > now + dt.timedelta(days=5)
        assert {a.state for a in past} == {AppointmentState.COMPLETED, AppointmentState.NO_SHOW}
        assert {a.state for a in future} == {AppointmentState.BOOKED}
        assert Sale.objects.for_organization(org).filter(appointment__state=AppointmentState.COMPLETED).count() \
            == sum(a.state == AppointmentState.COMPLETED for a in past)
        spans: dict[int, list] = {}
        for o in Occupancy.objects.for_organization(org).filter(active=True):
            spans.setdefault(o.resource_id, []).append((o.start, o.end))
        for pairs in spans.values():
            pairs.sort()
            assert all(end <= next_start for (_s, end), (next_start, _e) in itertools.pairwise(pairs))
        assert all(a.state in ACTIVE_STATES or not a.occupancies.filter(active=True).exists() for a in appointments)
        assert verify(org).ok
    counts = (Appointment.objects.count(), Sale.objects.count(), Client.objects.count())
    _seed_json(capsys, settings)
    assert counts == (Appointment.objects.count(), Sale.objects.count(), Client.objects.count())


def test_the_demo_booking_pages_have_their_own_face_in_each_language(db):
    seed(with_tokens=False)
    seed(with_tokens=False)  # again: nothing doubles
    kaisla = Organization.objects.get(slug="kaisla")
    assert booking_page_saved(kaisla) and booking_page_for(kaisla).description["pl"].startswith("Salon urody")
    assert ServiceCategory.objects.for_organization(kaisla).count() == 2
    haircut = Service.objects.for_organization(kaisla).get(name="Hiusten leikkaus")
    assert service_name(haircut, "sv", kaisla) == "Klippning" and haircut.category is not None


def test_the_demo_counter_has_products_with_stock_and_billing_details_once(db, capsys, settings):
    from billing.models import BillingProfile, Product, StockMovement

    _seed_json(capsys, settings)
    _seed_json(capsys, settings)
    for organization in Organization.objects.all():
        products = Product.objects.filter(organization=organization)
        assert products.count() == 3 and all(p.stock == p.movements.get().change for p in products)
        assert products.filter(stock__lte=3).count() == 1  # one on the low-stock list
        assert BillingProfile.objects.get(organization=organization).iban
    assert StockMovement.objects.count() == 6


# -- online payment in the demo (through the providers' local doubles, test mode) ---------------------------------

def _payments_of(slug: str) -> tuple[list[str], dict[str, tuple]]:
    from billing.models import GatewayConnection, PaymentPolicy

    org = Organization.objects.get(slug=slug)
    gateways = list(GatewayConnection.objects.for_organization(org).filter(enabled=True)
                    .order_by("connected_at", "pk").values_list("gateway", flat=True))
    policies = {p.service.name: (p.kind, p.deposit_amount, p.no_show_fee, p.free_cancellation_hours, p.version)
                for p in PaymentPolicy.objects.for_organization(org).select_related("service")}
    return gateways, policies


def test_seed_connects_the_demo_gateways_and_sets_a_deposit_and_a_prepayment_with_their_audit_rows(db, settings):
    from decimal import Decimal

    from billing.gateways.doubles.demo import serving
    from billing.models import PaymentPolicy
    from billing.tests.test_demo_payments import as_settings, demo_payment_env
    from kernel.models import AuditEvent

    for name, value in as_settings(demo_payment_env()).items():
        setattr(settings, name, value)
    with serving(site_url="http://127.0.0.1:8000") as doubles:
        seed(with_tokens=False)
        seed(with_tokens=False)  # idempotent: nothing connected twice, no new version, no new audit row
    assert doubles["przelewy24"].requests.count(("GET", "/api/v1/testAccess")) == 1  # checked once, when connected
    assert _payments_of("kaisla") == (["paytrail"], {
        "Kasvohoito": ("deposit", Decimal("20.00"), None, 24, 1),
        "Hieronta": ("prepayment", None, None, 24, 1),
    })
    assert _payments_of("zdrowie") == (["przelewy24", "stripe"], {
        "Fizjoterapia": ("deposit", Decimal("50.00"), None, 24, 1),
        "Masaż leczniczy": ("prepayment", None, None, 24, 1),
        "Konsultacja": ("card", None, Decimal("100.00"), 24, 1),
    })
    for policy in PaymentPolicy.objects.all():
        rows = AuditEvent.objects.filter(organization=policy.organization, object_type="billing.paymentpolicy",
                                         object_id=str(policy.pk))
        assert [(row.action, row.actor_label) for row in rows] == [("create", "seed_demo")]
    for org in Organization.objects.all():
        assert verify(org).ok


def test_seed_leaves_what_the_owner_changed(db, settings):
    from billing.gateways.doubles.demo import serving
    from billing.models import GatewayConnection, PaymentPolicy
    from billing.tests.test_demo_payments import as_settings, demo_payment_env

    for name, value in as_settings(demo_payment_env()).items():
        setattr(settings, name, value)
    with serving(site_url="http://127.0.0.1:8000"):
        seed(with_tokens=False)
        kaisla = Organization.objects.get(slug="kaisla")
        PaymentPolicy.objects.for_organization(kaisla).filter(service__name="Hieronta").delete()
        PaymentPolicy.objects.for_organization(kaisla).filter(service__name="Kasvohoito").update(deposit_amount=30)
        GatewayConnection.objects.filter(organization__slug="zdrowie", gateway="stripe").update(enabled=False)
        seed(with_tokens=False)
    policies = _payments_of("kaisla")[1]
    assert policies["Kasvohoito"][1] == 30 and policies["Hieronta"][0] == "prepayment"  # only the missing one again
    assert _payments_of("zdrowie")[0] == ["przelewy24"]  # a gateway the owner disconnected stays disconnected


def test_seed_serves_the_przelewy24_double_for_its_connection_when_the_demo_doubles_are_not_running(db, settings):
    import socket

    from billing.tests.test_demo_payments import as_settings, demo_payment_env

    env = demo_payment_env()
    for name, value in as_settings(env).items():
        setattr(settings, name, value)
    settings.PAYMENT_DOUBLES = True
    seed(with_tokens=False)
    assert _payments_of("zdrowie")[0] == ["przelewy24", "stripe"]
    with socket.socket() as probe:  # served for the moment only
        assert probe.connect_ex(("127.0.0.1", int(env["P24_API_BASE"].rsplit(":", 1)[1]))) != 0


def test_seed_offers_no_payment_where_the_deployment_has_no_gateway(db, settings):
    settings.PAYMENT_GATEWAYS = []
    seed(with_tokens=False)
    assert _payments_of("kaisla") == ([], {}) and _payments_of("zdrowie") == ([], {})


def test_seed_gives_the_demo_policies_their_wording_in_each_language_of_the_booking_page(db, settings):
    from billing.gateways.doubles.demo import serving
    from billing.models import PaymentPolicy
    from billing.online_payments import policy_wording
    from billing.tests.test_demo_payments import as_settings, demo_payment_env
    from tenancy.demo import DEMO_POLICIES

    for name, value in as_settings(demo_payment_env()).items():
        setattr(settings, name, value)
    with serving(site_url="http://127.0.0.1:8000"):
        seed(with_tokens=False)
        kaisla = Organization.objects.get(slug="kaisla")
        policies = PaymentPolicy.objects.for_organization(kaisla).select_related("service")
        # one seeded before policies had translations, and one whose wording the owner rewrote
        policies.filter(service__name="Hieronta").update(translations={})
        policies.filter(service__name="Kasvohoito").update(text="Oma tekstini.", translations={})
        seed(with_tokens=False)
    for org in Organization.objects.filter(slug__in=("kaisla", "zdrowie")):
        languages = [code for code in org.public_language_codes if code != org.default_language]
        for policy in PaymentPolicy.objects.for_organization(org).select_related("service"):
            if policy.text == "Oma tekstini.":
                assert policy.translations == {} and policy.version == 1  # the owner's wording stays
                continue
            wording = dict(next(texts for name, *_terms, texts in DEMO_POLICIES[org.country]
                                if name == policy.service.name))
            assert policy.text == wording.pop(org.default_language)
            assert policy.translations == {"text": {code: text for code, text in wording.items()
                                                    if code in languages}}
            assert set(policy.translations["text"]) == ({"sv", "en"} if org.country == "FI" else {"en"})
            assert policy.version == (2 if policy.service.name == "Hieronta" else 1)
    english = PaymentPolicy.objects.get(organization__slug="kaisla", service__name="Hieronta")
    assert policy_wording(english, "en").startswith("The massage is paid in full when you book.")
    assert policy_wording(english, "sv").startswith("Massagen betalas i sin helhet")
    assert policy_wording(english, "pl").startswith("Hieronta maksetaan kokonaan")  # no Polish: the default
