"""The erasure ledger: after an older backup is restored, `replay_erasures` erases again everyone
erased since, because the ledger file lives outside the database the backup restores."""

from __future__ import annotations

import json
import sqlite3

import pytest
from django.core.management import call_command
from django.db import connection

from clients.models import Client
from kernel.audit import Actor
from privacy.erasure import erase_client
from privacy.models import ErasureRecord
from tilli.test import make_client, make_full_client

SYSTEM = Actor.system("test")


@pytest.mark.django_db(transaction=True)
def test_restoring_a_sqlite_backup_then_replaying_erases_the_person_again(world, settings, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("file-level backup and restore of SQLite; the replay itself is tested on every database below")
    settings.ERASURE_LEDGER_PATH = tmp_path / "ledger.jsonl"
    full = make_full_client(world.org, world.practitioner)
    keeper = make_client(world.org, first_name="Pysyvä", email="stays@example.test")
    backup = sqlite3.connect(tmp_path / "backup.sqlite3")
    connection.ensure_connection()
    connection.connection.backup(backup)  # the nightly backup, before the erasure

    erase_client(client=full.client, actor=SYSTEM)
    line = json.loads(settings.ERASURE_LEDGER_PATH.read_text().splitlines()[0])
    assert line == {"organization": world.org.pk, "subject_ref": str(full.client.subject_ref),
                    "client_pk": full.client.pk, "erased_at": line["erased_at"]}
    assert full.email not in settings.ERASURE_LEDGER_PATH.read_text()  # the ledger names nobody

    backup.backup(connection.connection)  # disaster: the backup is restored over the live database
    backup.close()
    restored = Client.objects.get(pk=full.client.pk)
    assert restored.erased_at is None and restored.email == full.email
    assert not ErasureRecord.objects.exists()

    call_command("replay_erasures", verbosity=0)

    again = Client.objects.get(pk=full.client.pk)
    assert again.erased_at is not None and again.email == ""
    assert Client.objects.get(pk=keeper.pk).email == "stays@example.test"
    assert ErasureRecord.objects.filter(subject_ref=full.client.subject_ref).count() == 1


@pytest.mark.django_db
def test_replay_erases_a_client_the_ledger_file_names_and_rebuilds_the_file_from_the_table(world, settings, tmp_path,
                                                                                          capsys):
    settings.ERASURE_LEDGER_PATH = tmp_path / "ledger.jsonl"
    brought_back = make_client(world.org, email="back@example.test")
    settings.ERASURE_LEDGER_PATH.write_text(json.dumps({
        "organization": world.org.pk, "subject_ref": str(brought_back.subject_ref), "client_pk": brought_back.pk,
        "erased_at": "2026-01-01T00:00:00+00:00"}) + "\n")
    only_in_table = make_client(world.org, email="table@example.test")
    erase_client(client=only_in_table, actor=SYSTEM)  # on_commit never runs here: the file misses it

    call_command("replay_erasures", verbosity=1)

    assert "erased 1 client(s) again" in capsys.readouterr().out
    assert Client.objects.get(pk=brought_back.pk).erased_at is not None
    refs = {json.loads(x)["subject_ref"] for x in settings.ERASURE_LEDGER_PATH.read_text().splitlines()}
    assert refs == {str(brought_back.subject_ref), str(only_in_table.subject_ref)}
    call_command("replay_erasures", verbosity=0)  # idempotent: nothing left to erase
    assert ErasureRecord.objects.count() == 2
