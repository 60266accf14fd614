"""National IDs and special-category entries are ciphertext at rest, bound to their place."""

import base64
import secrets
from pathlib import Path

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from clients.models import Client, ClientRecord, RecordKind
from clients.services import record_create, special_approval_set
from kernel.audit import Actor
from tenancy.keyring import forget_cached_keys
from tenancy.models import OrganizationKey
from tenancy.rotation import rotate_data_key
from tilli.lib.crypto import DecryptionError
from tilli.test import HETU, make_client, make_organization

SYSTEM = Actor.system("test")
NOTE = "Allergic to latex; diabetes type 2"


def _enable_ids(org):
    org.national_id_enabled = True
    org.save()
    return org


def _raw_database_text() -> str:
    """Everything the database holds, as an attacker with the files or a dump would see it."""
    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        data = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
        return data.decode("utf-8", errors="replace")
    with connection.cursor() as cursor:
        cursor.execute("SELECT string_agg(t::text, '|') FROM clients_client t")
        clients = cursor.fetchone()[0] or ""
        cursor.execute("SELECT string_agg(t::text, '|') FROM clients_clientrecord t")
        records = cursor.fetchone()[0] or ""
    return clients + records


@pytest.mark.django_db(transaction=True)
def test_a_raw_dump_holds_no_plaintext_of_national_ids_or_health_entries():
    org = _enable_ids(make_organization())
    client = make_client(org, national_id=HETU)
    special_approval_set(client=client, granted=True, source="staff", actor=SYSTEM)
    owner = org_owner(org)
    record_create(client=client, kind=RecordKind.TREATMENT_NOTE, body=NOTE, author=owner, actor=SYSTEM)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(FULL)")
    raw = _raw_database_text()
    assert "Virtanen" in raw  # the dump is readable: names are not special-category
    assert HETU not in raw and HETU.replace("-", "") not in raw
    assert "Allergic to latex" not in raw and "diabetes" not in raw
    fresh = Client.objects.get(pk=client.pk)
    assert fresh.national_id == HETU
    assert ClientRecord.objects.get(client=fresh).body == NOTE


def org_owner(org):
    from tenancy.models import Membership

    return Membership.objects.get(organization=org, role="owner")


def test_a_ciphertext_moved_to_another_organization_or_column_does_not_decrypt(world):
    _enable_ids(world.org)
    _enable_ids(world.other_org)
    mine = make_client(world.org, national_id=HETU)
    theirs = make_client(world.other_org, first_name="Jan", last_name="Nowak")
    stolen = Client.objects.filter(pk=mine.pk).values_list("national_id", flat=True).get()
    Client.objects.filter(pk=theirs.pk).update(national_id=stolen)
    with pytest.raises(DecryptionError):
        Client.objects.get(pk=theirs.pk).national_id  # noqa: B018 (reading decrypts)
    special_approval_set(client=mine, granted=True, source="staff", actor=SYSTEM)
    entry = record_create(client=mine, kind=RecordKind.TEST_RESULT, body="HbA1c 48", author=world.owner,
                          actor=SYSTEM)
    ClientRecord.objects.filter(pk=entry.pk).update(body=stolen)  # national-ID ciphertext in the body column
    with pytest.raises(DecryptionError):
        ClientRecord.objects.get(pk=entry.pk).body  # noqa: B018


def test_plaintext_queries_on_encrypted_columns_are_refused(world):
    with pytest.raises(FieldError, match="blind index"):
        list(Client.objects.filter(national_id=HETU))


def test_data_key_rotation_re_encrypts_everything_and_retires_the_old_key(world):
    _enable_ids(world.org)
    client = make_client(world.org, national_id=HETU)
    before = Client.objects.filter(pk=client.pk).values_list("national_id", flat=True).get()
    assert rotate_data_key(world.org.pk) >= 1
    after = Client.objects.filter(pk=client.pk).values_list("national_id", flat=True).get()
    assert before.ciphertext.startswith("1:") and after.ciphertext.startswith("2:")
    assert Client.objects.get(pk=client.pk).national_id == HETU
    keys = OrganizationKey.objects.for_organization(world.org).filter(purpose="data").order_by("version")
    assert [k.retired_at is not None for k in keys] == [True, False]


def test_master_key_rotation_rewraps_so_the_old_master_key_can_go(world, settings, capsys):
    from django.core.management import call_command

    _enable_ids(world.org)
    client = make_client(world.org, national_id=HETU)
    new_master = base64.urlsafe_b64encode(secrets.token_bytes(32))
    settings.TILLI_MASTER_KEYS = {"k2": base64.urlsafe_b64decode(new_master), **settings.TILLI_MASTER_KEYS}
    call_command("rotate_keys", "--data")
    assert f"{world.org.slug}: 2 keys rewrapped" in capsys.readouterr().out
    settings.TILLI_MASTER_KEYS = {"k2": settings.TILLI_MASTER_KEYS["k2"]}  # the old master key is removed
    forget_cached_keys()
    assert Client.objects.get(pk=client.pk).national_id == HETU


def test_destroying_the_organizations_keys_makes_its_data_unreadable(world):
    _enable_ids(world.org)
    client = make_client(world.org, national_id=HETU)
    OrganizationKey.objects.for_organization(world.org).delete()
    forget_cached_keys()
    with pytest.raises(DecryptionError):
        Client.objects.get(pk=client.pk).national_id  # noqa: B018
