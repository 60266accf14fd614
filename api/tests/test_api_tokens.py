"""API tokens expire, note their last use at most once a minute, and a token that can export or
erase personal data needs two-factor sign-in and a fresh confirmation from its creator."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from api.services import api_token_create
from api.tests.test_api import call
from kernel.audit import Actor
from tilli.test import enable_totp
from web.tests.privacy_helpers import english, reauthenticate

SYSTEM = Actor.system("test")


def _staff(membership) -> Actor:
    return Actor(kind="user", user_id=membership.user.pk, role=membership.role)


def test_a_token_works_until_it_expires_and_then_answers_401(world):
    token, secret = api_token_create(membership=world.reception, name="t", actor=SYSTEM, days=1)
    assert call("GET", "/me", secret).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = call("GET", "/me", secret)
    assert expired.status_code == 401 and expired.json()["code"] == "unauthenticated"


def test_the_lifetime_defaults_to_90_days_and_has_a_maximum(world, settings):
    settings.API_TOKEN_DEFAULT_DAYS, settings.API_TOKEN_MAX_DAYS = 90, 365
    token, _ = api_token_create(membership=world.reception, name="t", actor=SYSTEM)
    assert abs(token.expires_at - (timezone.now() + dt.timedelta(days=90))) < dt.timedelta(minutes=1)
    for days in (0, 366, 10**6):
        with pytest.raises(ValidationError) as caught:
            api_token_create(membership=world.reception, name="t", actor=SYSTEM, days=days)
        assert "days" in caught.value.message_dict
    assert ApiToken.objects.count() == 1


def test_last_use_is_written_at_most_once_a_minute(world):
    token, secret = api_token_create(membership=world.reception, name="t", actor=SYSTEM)
    call("GET", "/me", secret)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        call("GET", "/me", secret)
    assert not [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "api_apitoken"')]
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(seconds=61))
    call("GET", "/me", secret)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_a_staff_member_without_two_factor_gets_no_token_that_can_export(world):
    with pytest.raises(ValidationError) as caught:
        api_token_create(membership=world.accountant, name="t", actor=_staff(world.accountant))  # CSV export
    assert caught.value.code == "mfa_required"
    api_token_create(membership=world.reception, name="t", actor=_staff(world.reception))  # cannot export
    enable_totp(world.accountant.user)
    api_token_create(membership=world.accountant, name="t", actor=_staff(world.accountant))


# --- the tokens page -----------------------------------------------------------------------------------


def _url(world) -> str:
    return reverse("web:api_tokens", kwargs={"org_slug": world.org.slug})


def test_the_owner_confirms_it_is_them_before_a_token_is_made(world, client_for):
    owner = english(client_for(world.owner))
    response = owner.post(_url(world), {"name": "Bookkeeping sync", "days": "30"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/")
    assert not ApiToken.objects.exists()
    reauthenticate(owner)
    response = owner.post(_url(world), {"name": "Bookkeeping sync", "days": "30"})
    token = ApiToken.objects.get()
    assert response.status_code == 200 and token.prefix in response.content.decode()
    assert abs(token.expires_at - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(minutes=1)


def test_reception_makes_a_token_at_once_and_sees_its_expiry_and_last_use(world, client_for):
    reception = english(client_for(world.reception))
    response = reception.post(_url(world), {"name": "Kiosk", "days": "7"})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    call("GET", "/me", response.context["secret"])
    html = reception.get(_url(world)).content.decode()
    assert "Expires" in html and "Last used" in html
    token.refresh_from_db()
    assert token.last_used_at is not None and "Active" in html


def test_there_is_no_never_expiring_token(world, client_for, settings):
    settings.API_TOKEN_MAX_DAYS = 365
    response = english(client_for(world.reception)).post(_url(world), {"name": "Forever", "days": "36500"})
    assert response.status_code == 200 and 'id="id_days_error"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_an_accountant_without_two_factor_is_told_to_turn_it_on(world, client_for):
    response = english(client_for(world.accountant)).post(_url(world), {"name": "Books", "days": "90"})
    assert response.status_code == 200 and "two-factor" in response.content.decode()
    assert not ApiToken.objects.exists()


# --- the migration ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_tokens_made_before_expiry_existed_get_the_default_lifetime():
    executor = MigrationExecutor(connection)
    before, after = [("api", "0001_initial")], [("api", "0002_api_token_expiry")]
    executor.migrate(before)
    try:
        apps = executor.loader.project_state(before).apps
        from tilli.test import build_world

        world = build_world()
        old_token = apps.get_model("api", "ApiToken").objects.create(
            organization_id=world.org.pk, membership_id=world.owner.pk, name="old", prefix="tli_old",
            token_hash="0" * 64)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
    migrated = ApiToken.objects.get(pk=old_token.pk)
    assert abs(migrated.expires_at - (timezone.now() + dt.timedelta(days=90))) < dt.timedelta(minutes=5)
