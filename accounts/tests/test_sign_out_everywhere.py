"""Signing out everywhere ends every session of the user, and only theirs."""

from allauth.usersessions.models import UserSession
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.models import SecurityEvent, SecurityEventKind
from accounts.tests.conftest import sign_in
from tilli.test import PASSWORD


def _signed_in_client(user, browser: str) -> Client:
    client = Client(HTTP_USER_AGENT=browser)
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    return client


def _is_signed_in(client: Client) -> bool:
    return client.get(reverse("web:account_security")).status_code == 200


def test_sign_out_everywhere_ends_every_session_of_the_user(world):
    user = world.practitioner.user
    laptop = _signed_in_client(user, "Laptop")
    phone = _signed_in_client(user, "Phone")
    colleague = _signed_in_client(world.reception.user, "Desk")
    assert UserSession.objects.filter(user=user).count() == 2

    response = phone.post(reverse("web:sign_out_everywhere"), REMOTE_ADDR="192.0.2.44")

    assert response.status_code == 302
    assert response.url == reverse("account_login")
    assert not _is_signed_in(laptop)
    assert not _is_signed_in(phone)
    assert SESSION_KEY not in laptop.session
    assert not UserSession.objects.filter(user=user).exists()
    assert _is_signed_in(colleague)
    event = SecurityEvent.objects.get(user=user, kind=SecurityEventKind.SIGNED_OUT_EVERYWHERE)
    assert (event.ip, event.user_agent) == ("192.0.2.44", "Phone")


def test_sign_out_everywhere_needs_a_post(world):
    client = _signed_in_client(world.practitioner.user, "Laptop")

    response = client.get(reverse("web:sign_out_everywhere"))

    assert response.status_code == 405
    assert _is_signed_in(client)
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.SIGNED_OUT_EVERYWHERE).exists()


def test_sign_out_everywhere_is_for_signed_in_people_only(db):
    response = Client().post(reverse("web:sign_out_everywhere"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not SecurityEvent.objects.exists()
