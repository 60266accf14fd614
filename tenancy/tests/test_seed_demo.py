"""The demo data: two businesses with staff in every role, idempotent, scriptable with --json."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as HttpClient

from accounts.models import User
from clients.models import Client
from privacy.audit import verify
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
