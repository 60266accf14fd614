"""Signing in with two factors: an owner with TOTP needs the code after the password."""

from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.models import SecurityEvent, SecurityEventKind
from accounts.tests.conftest import current_code, sign_in
from tilli.test import PASSWORD


def _dashboard(org) -> str:
    return reverse("web:dashboard", kwargs={"org_slug": org.slug})


def test_owner_with_totp_is_asked_for_the_code_after_the_password(world):
    client = Client()
    user = world.owner.user

    response = sign_in(client, user.email, PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert SESSION_KEY not in client.session
    assert client.get(_dashboard(world.org)).status_code == 302  # to the sign-in page
    assert not SecurityEvent.objects.filter(user=user, kind=SecurityEventKind.SIGN_IN).exists()

    response = client.post(reverse("mfa_authenticate"), {"code": current_code(world.owner_totp)})

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.get(_dashboard(world.org)).status_code == 200
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEventKind.SIGN_IN).count() == 1


def test_a_wrong_code_keeps_the_owner_out(world):
    client = Client()
    sign_in(client, world.owner.user.email, PASSWORD)
    right = current_code(world.owner_totp)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = client.post(reverse("mfa_authenticate"), {"code": wrong})

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert SESSION_KEY not in client.session
    assert client.get(_dashboard(world.org)).status_code == 302
    assert not SecurityEvent.objects.filter(user=world.owner.user, kind=SecurityEventKind.SIGN_IN).exists()


def test_a_code_without_the_password_step_gets_nobody_in(world):
    client = Client()

    response = client.post(reverse("mfa_authenticate"), {"code": current_code(world.owner_totp)})

    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_a_wrong_code_is_logged_as_a_failed_sign_in(world):
    client = Client()
    sign_in(client, world.owner.user.email, PASSWORD)
    right = current_code(world.owner_totp)

    client.post(reverse("mfa_authenticate"), {"code": f"{(int(right) + 1) % 1_000_000:06d}"},
                REMOTE_ADDR="203.0.113.50")

    event = SecurityEvent.objects.get(kind=SecurityEventKind.SIGN_IN_FAILED)
    assert (event.user, event.ip) == (world.owner.user, "203.0.113.50")


def test_wrong_codes_are_throttled_too(world):
    client = Client()
    sign_in(client, world.owner.user.email, PASSWORD)
    right = current_code(world.owner_totp)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(5):
        client.post(reverse("mfa_authenticate"), {"code": wrong})

    response = client.post(reverse("mfa_authenticate"), {"code": right})

    assert SESSION_KEY not in client.session
    assert response.status_code == 200
    assert "Too many failed login attempts" in " ".join(response.context["form"].errors["code"])
