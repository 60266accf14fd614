"""Repeated failed sign-ins are throttled by allauth's rate limit (5 per 5 minutes per address)."""

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.models import SecurityEvent, SecurityEventKind
from accounts.tests.conftest import sign_in
from tilli.test import PASSWORD

WRONG = "not-the-password-at-all"


def _form_errors(response) -> str:
    return " ".join(response.context["form"].non_field_errors())


def test_the_production_limit_is_five_failures_per_address():
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"] == "10/m/ip,5/5m/key"


def test_after_five_failures_even_the_right_password_is_refused(world):
    user = world.practitioner.user
    for _ in range(5):
        response = sign_in(Client(), user.email, WRONG)
        assert response.status_code == 200
        assert "Too many" not in _form_errors(response)

    client = Client()
    response = sign_in(client, user.email, PASSWORD)

    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert "Too many failed login attempts" in _form_errors(response)
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEventKind.SIGN_IN_FAILED).count() == 5
    assert not SecurityEvent.objects.filter(user=user, kind=SecurityEventKind.SIGN_IN).exists()


def test_the_limit_counts_the_address_in_any_case(world):
    user = world.practitioner.user
    for n in range(5):
        email = user.email.upper() if n % 2 else user.email
        sign_in(Client(), email, WRONG)

    client = Client()
    response = sign_in(client, user.email, PASSWORD)

    assert SESSION_KEY not in client.session
    assert "Too many failed login attempts" in _form_errors(response)


def test_the_limit_is_per_address_so_a_colleague_can_still_sign_in(world):
    for _ in range(5):
        sign_in(Client(), world.practitioner.user.email, WRONG)

    client = Client()
    response = sign_in(client, world.reception.user.email, PASSWORD)

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(world.reception.user.pk)


def test_four_failures_do_not_lock_out_the_right_password(world):
    user = world.practitioner.user
    for _ in range(4):
        sign_in(Client(), user.email, WRONG)

    client = Client()
    response = sign_in(client, user.email, PASSWORD)

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)
