"""Passwords are stored with Argon2 (the first hasher of the production settings)."""

from django.contrib.auth.hashers import check_password, identify_hasher
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.conftest import sign_in
from tilli.settings import PASSWORD_HASHERS as PRODUCTION_HASHERS

NEW_PASSWORD = "Lumiukko-kevät-2026!"


def test_production_settings_hash_with_argon2_first():
    assert PRODUCTION_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_a_new_password_is_stored_as_an_argon2_hash(db, settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS

    user = User.objects.create_user("aino@example.test", NEW_PASSWORD)

    stored = User.objects.get(pk=user.pk).password
    assert stored.startswith("argon2$argon2id$")
    assert identify_hasher(stored).algorithm == "argon2"
    assert NEW_PASSWORD not in stored
    assert check_password(NEW_PASSWORD, stored)


def test_an_argon2_password_signs_in(db, settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    User.objects.create_user("aino@example.test", NEW_PASSWORD)
    client = Client()

    response = sign_in(client, "aino@example.test", NEW_PASSWORD)

    assert response.status_code == 302
    assert client.get(reverse("web:account_security")).status_code == 200


def test_an_older_hash_is_upgraded_to_argon2_on_sign_in(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    user = User.objects.create_user("aino@example.test", NEW_PASSWORD)
    assert user.password.startswith("pbkdf2_sha256$")
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS

    response = sign_in(Client(), "aino@example.test", NEW_PASSWORD)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
