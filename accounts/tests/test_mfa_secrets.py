"""Two-factor secrets are stored sealed with the operator's master key: not readable from the
database or the admin, re-sealed by key rotation, and sealed by a migration where they were plain."""

import base64
import importlib
import secrets

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.utils import decrypt
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.mfa_secrets import seal
from accounts.tests.conftest import current_code, sign_in
from tenancy.models import Membership
from tenancy.roles import Role
from tilli.lib.crypto import DecryptionError
from tilli.test import PASSWORD, enable_totp, make_organization, operator_client

migration = importlib.import_module("accounts.migrations.0005_seal_mfa_secrets")


def _stored(authenticator_id: int) -> str:
    """The row as the database holds it, past the ORM."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE id = %s", [authenticator_id])
        return str(cursor.fetchone()[0])


def _totp(user) -> Authenticator:
    return Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)


def test_the_totp_secret_is_not_in_the_database(world):
    stored = _stored(_totp(world.owner.user).pk)

    assert world.owner_totp not in stored
    assert "tilli-mk:k1:" in stored
    assert decrypt(_totp(world.owner.user).data["secret"]) == world.owner_totp


def test_the_recovery_code_seed_is_sealed_and_the_codes_still_work(world):
    authenticator = RecoveryCodes.activate(world.owner.user).instance
    seed = decrypt(authenticator.data["seed"])
    code = RecoveryCodes(authenticator).get_unused_codes()[0]

    assert seed not in _stored(authenticator.pk)
    client = Client()
    sign_in(client, world.owner.user.email, PASSWORD)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302 and response.url != reverse("mfa_authenticate")


def test_a_plain_secret_written_into_the_table_is_not_trusted(world):
    authenticator = _totp(world.owner.user)
    Authenticator.objects.filter(pk=authenticator.pk).update(data={"secret": "JBSWY3DPEHPK3PXP"})

    with pytest.raises(DecryptionError):
        decrypt(Authenticator.objects.get(pk=authenticator.pk).data["secret"])


def test_the_admin_shows_which_factors_a_person_has_but_never_the_secret(world):
    authenticator = _totp(world.owner.user)
    sealed = authenticator.data["secret"]
    admin = operator_client()

    listing = admin.get(reverse("admin:mfa_authenticator_changelist"))
    detail = admin.get(reverse("admin:mfa_authenticator_change", args=[authenticator.pk]))

    assert listing.status_code == 200 and detail.status_code == 200
    for page in (listing.content.decode(), detail.content.decode()):
        assert world.owner_totp not in page and sealed not in page and "tilli-mk:" not in page
    assert str(world.owner.user) in listing.content.decode()
    assert admin.post(reverse("admin:mfa_authenticator_delete", args=[authenticator.pk]),
                      {"post": "yes"}).status_code == 403


def test_rotation_re_seals_the_secrets_under_the_new_master_key(world, settings, capsys):
    new_key = base64.urlsafe_b64decode(base64.urlsafe_b64encode(secrets.token_bytes(32)))
    settings.TILLI_MASTER_KEYS = {"k2": new_key, **settings.TILLI_MASTER_KEYS}

    call_command("rotate_keys")

    assert "two-factor secrets: 2 re-sealed" in capsys.readouterr().out  # the world's two owners
    settings.TILLI_MASTER_KEYS = {"k2": new_key}  # the old master key is removed
    assert decrypt(_totp(world.owner.user).data["secret"]) == world.owner_totp
    client = Client()
    sign_in(client, world.owner.user.email, PASSWORD)
    assert client.post(reverse("mfa_authenticate"), {"code": current_code(world.owner_totp)}).status_code == 302
    call_command("rotate_keys")
    assert "two-factor secrets: 0 re-sealed" in capsys.readouterr().out  # nothing left under the old key


def test_the_migration_seals_plain_secrets_once_and_leaves_sealed_ones_alone(world):
    from django.apps import apps

    plain = Authenticator.objects.create(user=world.practitioner.user, type=Authenticator.Type.TOTP,
                                         data={"secret": "JBSWY3DPEHPK3PXP"})
    codes = Authenticator.objects.create(user=world.practitioner.user, type=Authenticator.Type.RECOVERY_CODES,
                                         data={"seed": "abc123", "used_mask": 0, "migrated_codes": ["11111111"]})
    already = _totp(world.owner.user).data

    migration.seal_plain_secrets(apps, None)
    once = {pk: Authenticator.objects.get(pk=pk).data for pk in (plain.pk, codes.pk)}
    migration.seal_plain_secrets(apps, None)

    assert decrypt(once[plain.pk]["secret"]) == "JBSWY3DPEHPK3PXP"
    assert decrypt(once[codes.pk]["seed"]) == "abc123"
    assert [decrypt(code) for code in once[codes.pk]["migrated_codes"]] == ["11111111"]
    assert once[codes.pk]["used_mask"] == 0
    assert {pk: Authenticator.objects.get(pk=pk).data for pk in (plain.pk, codes.pk)} == once  # idempotent
    assert _totp(world.owner.user).data == already


def test_demo_totp_prints_the_owners_current_code(db, capsys):
    org = make_organization()
    org.is_demo = True
    org.save(update_fields=["is_demo"])
    owner = Membership.objects.get(organization=org, role=Role.OWNER).user
    secret = enable_totp(owner)

    code = current_code(secret)
    call_command("demo_totp")

    assert f"{org.slug}: {owner.email} {code}" in capsys.readouterr().out


def test_sealed_values_differ_each_time(db):
    assert seal("same") != seal("same")
