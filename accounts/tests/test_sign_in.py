"""Email sign-in through django-allauth, and what it writes to the security log."""

from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.models import SecurityEvent, SecurityEventKind
from accounts.security_log import identifier_hash
from accounts.tests.conftest import sign_in
from tilli.test import PASSWORD

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) TilliTest/1.0"


def test_practitioner_signs_in_with_email_and_password(world):
    client = Client()
    user = world.practitioner.user

    response = sign_in(client, user.email, PASSWORD, REMOTE_ADDR="198.51.100.23", HTTP_USER_AGENT=BROWSER)

    assert response.status_code == 302
    assert response.url == reverse("web:home")
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.get(reverse("web:dashboard", kwargs={"org_slug": world.org.slug})).status_code == 200
    event = SecurityEvent.objects.get(user=user, kind=SecurityEventKind.SIGN_IN)
    assert (event.ip, event.user_agent) == ("198.51.100.23", BROWSER)


def test_sign_in_is_case_insensitive_in_the_email(world):
    client = Client()
    user = world.practitioner.user

    response = sign_in(client, user.email.upper(), PASSWORD)

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


def test_wrong_password_is_refused_and_logged_with_ip_and_browser(world):
    client = Client()
    user = world.practitioner.user

    response = sign_in(client, user.email, "not-the-password-at-all", REMOTE_ADDR="203.0.113.9",
                       HTTP_USER_AGENT=BROWSER)

    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert response.context["form"].errors
    event = SecurityEvent.objects.get(kind=SecurityEventKind.SIGN_IN_FAILED)
    assert event.user == user
    assert (event.ip, event.user_agent) == ("203.0.113.9", BROWSER)
    assert event.identifier_hash == ""
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.SIGN_IN).exists()


def test_failed_sign_in_for_unknown_email_keeps_only_a_keyed_hash(db):
    client = Client()
    email = "Nobody.Here@Example.test"

    response = sign_in(client, email, "whatever-password-1", REMOTE_ADDR="203.0.113.10", HTTP_USER_AGENT=BROWSER)

    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    event = SecurityEvent.objects.get(kind=SecurityEventKind.SIGN_IN_FAILED)
    assert event.user is None
    assert event.identifier_hash == identifier_hash(email)
    assert event.ip == "203.0.113.10"
    row = SecurityEvent.objects.filter(pk=event.pk).values().get()
    for value in row.values():
        assert "nobody" not in str(value).lower()
        assert "example.test" not in str(value).lower()


def test_the_same_unknown_email_in_any_case_hashes_the_same(db):
    sign_in(Client(), "ghost@example.test", "whatever-password-1")
    sign_in(Client(), " GHOST@Example.TEST", "whatever-password-1")

    hashes = set(SecurityEvent.objects.filter(kind=SecurityEventKind.SIGN_IN_FAILED)
                 .values_list("identifier_hash", flat=True))
    assert len(hashes) == 1


def test_sign_out_is_logged(world, client):
    user = world.practitioner.user
    sign_in(client, user.email, PASSWORD)

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEventKind.SIGN_OUT).count() == 1


def test_unknown_email_and_wrong_password_look_the_same(world):
    wrong_password = sign_in(Client(), world.practitioner.user.email, "not-the-password-at-all")
    unknown_email = sign_in(Client(), "nobody@example.test", "not-the-password-at-all")

    assert wrong_password.status_code == unknown_email.status_code == 200
    assert wrong_password.context["form"].errors == unknown_email.context["form"].errors
