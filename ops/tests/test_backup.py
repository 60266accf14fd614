"""`manage.py backup` writes a sealed, checksummed snapshot to a directory and to S3 (moto's server on
loopback); `restore` brings it back whole and erases again; `restore_drill` proves it on a scratch copy.

These tests commit (transaction=True): the snapshot is taken by another connection, as in production.
On PostgreSQL (DATABASE_URL) the same tests run pg_dump and pg_restore.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import Client as HttpClient
from moto.server import ThreadedMotoServer

from clients.models import Client
from kernel.audit import Actor
from kernel.scheduling import schedules
from ops.backup import snapshot
from ops.backup.service import BackupError, backup_create, fetch
from ops.backup.stores import DirectoryStore, S3Store
from ops.models import BackupRun
from privacy.erasure import erase_client
from tilli.test import free_port, make_client

pytestmark = pytest.mark.django_db(transaction=True)

BACKUP_KEY = "b1:" + base64.urlsafe_b64encode(b"k" * 32).decode()
BUCKET = "tilli-backups"


@pytest.fixture
def destinations(settings, tmp_path, monkeypatch):
    """A backup directory and a bucket on moto's S3 server on loopback; the same in the environment for
    the commands run as separate processes."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))  # state is global
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "BACKUP_KEY": BACKUP_KEY,
           "BACKUP_S3_BUCKET": BUCKET, "BACKUP_S3_ENDPOINT_URL": endpoint, "TILLI_BACKUP_DIR": str(tmp_path / "bk")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    boto3.client("s3", endpoint_url=endpoint, region_name="eu-north-1").create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
    settings.BACKUP_KEYS = {"b1": b"k" * 32}
    settings.BACKUP_DIR = tmp_path / "bk"
    settings.BACKUP_S3_BUCKET, settings.BACKUP_S3_PREFIX = BUCKET, "tilli/"
    settings.BACKUP_S3_ENDPOINT_URL, settings.BACKUP_S3_REGION = endpoint, "eu-north-1"
    try:
        yield (DirectoryStore(tmp_path / "bk"),
               S3Store(bucket=BUCKET, prefix="tilli/", endpoint_url=endpoint, region="eu-north-1"))
    finally:
        server.stop()


def _clients() -> list[tuple]:
    return list(Client.objects.order_by("pk").values_list("pk", "erased_at"))


def test_a_backup_is_sealed_checksummed_and_written_to_both_places(world, destinations, tmp_path):
    make_client(world.org, email="backed.up@example.test", first_name="Backed")
    run = backup_create()
    assert run.ok and run.destinations == ["directory", "s3"]
    directory, s3 = destinations
    assert directory.names() == s3.names() == [run.name]
    sealed = (directory.path / f"{run.name}.tbk").read_bytes()
    assert sealed.startswith(b"TILLIBK1") and b"backed.up@example.test" not in sealed and b"SQLite" not in sealed
    manifest = json.loads((directory.path / f"{run.name}.manifest.json").read_text())
    assert manifest["sha256"] == run.sha256 and manifest["key_id"] == "b1"
    assert manifest["fingerprint"]["tables"]["clients_client"]["rows"] == Client.objects.count()
    plain, _ = fetch(name="latest", source="s3", directory=tmp_path)
    assert plain.stat().st_size > 0
    # /readyz shows the last good backup
    django_settings.HEALTH_BACKUP_MAX_AGE_HOURS = 26
    assert HttpClient().get("/readyz").json()["checks"]["last_backup"]["ok"] is True


def test_a_changed_backup_file_is_refused_before_it_is_opened(world, destinations, tmp_path):
    run = backup_create()
    directory, _ = destinations
    path = directory.path / f"{run.name}.tbk"
    data = bytearray(path.read_bytes())
    data[100] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="does not match the checksum"):
        fetch(name=run.name, source="directory", directory=tmp_path)


def test_without_a_backup_key_or_a_second_place_the_backup_fails_loudly(db, settings):
    settings.BACKUP_KEYS = {}
    with pytest.raises(ImproperlyConfigured, match="BACKUP_KEY"):
        call_command("backup")
    settings.BACKUP_KEYS = {"b1": b"k" * 32}
    settings.BACKUP_S3_BUCKET = ""
    with pytest.raises(ImproperlyConfigured, match="BACKUP_S3_BUCKET"):
        call_command("backup")
    assert not BackupRun.objects.exists()


def test_the_daily_backup_is_scheduled_once_a_backup_key_is_set(settings):
    settings.BACKUP_KEYS = {}
    assert "ops.backup" not in schedules()
    settings.BACKUP_KEYS = {"b1": b"k" * 32}
    assert schedules()["ops.backup"].every == dt.timedelta(days=1)


def test_restore_brings_the_backup_back_and_erases_again_whoever_was_erased_since(world, destinations, capsys):
    kept = make_client(world.org, email="kept@example.test", first_name="Kept")
    erased = make_client(world.org, email="erased.later@example.test", first_name="Erased")
    backup_create()
    before = _clients()
    erase_client(client=erased, actor=Actor.system("test"))
    make_client(world.org, email="after.backup@example.test")  # not in the backup: gone after the restore

    call_command("restore", "latest", "--source", "s3", "--replace")

    out = capsys.readouterr().out
    assert "as in its manifest" in out and "1 client(s) erased again" in out
    assert [pk for pk, _ in _clients()] == [pk for pk, _ in before]
    assert Client.objects.get(pk=kept.pk).erased_at is None
    assert Client.objects.get(pk=erased.pk).erased_at is not None


def test_restore_refuses_a_database_that_is_not_empty_without_replace(world, destinations):
    backup_create()
    with pytest.raises(Exception, match="not empty"):
        call_command("restore", "latest")


def test_restore_into_a_fresh_database_has_the_same_rows(world, destinations, tmp_path):
    make_client(world.org, email="fresh@example.test")
    run = backup_create()
    live = snapshot.Database.configured()
    fresh = snapshot.create_scratch(live, tmp_path)
    try:
        result = subprocess.run(
            [sys.executable, "manage.py", "restore", run.name, "--source", "directory"],
            cwd=django_settings.BASE_DIR, capture_output=True, text=True, timeout=300,
            env={**os.environ, "DATABASE_URL": fresh.url(),
                 "TILLI_ERASURE_LEDGER": str(tmp_path / "ledger.jsonl")})
        assert result.returncode == 0, result.stderr[-2000:]
        assert f"Restored {run.name}" in result.stdout
        restored = snapshot.fingerprint(fresh)["tables"]
    finally:
        snapshot.drop_scratch(fresh)
    live_tables = snapshot.fingerprint(live)["tables"]
    for table in ("clients_client", "tenancy_organization", "privacy_auditevent", "accounts_user"):
        assert restored[table] == live_tables[table]


def test_the_restore_drill_proves_a_backup_whole_without_touching_the_live_database(world, destinations, capsys):
    erased = make_client(world.org, email="drill.erased@example.test", first_name="Drill")
    make_client(world.org, email="drill.kept@example.test")
    backup_create()
    erase_client(client=erased, actor=Actor.system("test"))
    live_before = snapshot.fingerprint(snapshot.Database.configured())["sha256"]

    call_command("restore_drill", "--source", "s3")

    out = capsys.readouterr().out
    assert "matches its manifest" in out
    assert "0 broken" in out and "1 client(s) erased again, 0 erased client(s) back" in out
    assert "Restore drill passed." in out
    assert snapshot.fingerprint(snapshot.Database.configured())["sha256"] == live_before
    assert Path(django_settings.ERASURE_LEDGER_PATH).exists()


def test_the_drill_fails_when_the_restored_rows_differ_from_the_manifest(world, destinations, tmp_path):
    """Re-sealed with a changed row and a matching checksum: only the fingerprint can tell, and it does."""
    if snapshot.Database.configured().vendor != snapshot.SQLITE:
        pytest.skip("the snapshot is edited with sqlite3")
    import sqlite3

    from ops.backup import crypto

    make_client(world.org, email="tampered@example.test", first_name="Original")
    run = backup_create()
    directory, _ = destinations
    plain, manifest = fetch(name=run.name, source="directory", directory=tmp_path)
    connection = sqlite3.connect(plain)
    connection.execute("UPDATE clients_client SET first_name = 'Changed'")
    connection.commit()
    connection.close()  # checkpoints the change into the file itself
    sealed = directory.path / f"{run.name}.tbk"
    with open(plain, "rb") as source, open(sealed, "wb") as target:
        crypto.encrypt(source, target, key_id="b1", key=b"k" * 32)
    manifest["size"] = sealed.stat().st_size
    manifest["sha256"] = hashlib.sha256(sealed.read_bytes()).hexdigest()
    (directory.path / f"{run.name}.manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(CommandError, match="differs from the backup in: clients_client"):
        call_command("restore_drill", run.name, "--source", "directory")
