"""Backup, restore and restore drill: what the commands and the daily task call.

Policy (docs/backups.md): one backup a day, sealed with BACKUP_KEY (never a data master key), written
to a directory and to S3-compatible storage; each place keeps every backup of the last
BACKUP_KEEP_DAILY days and the first backup of each of the last BACKUP_KEEP_MONTHLY months, so an
erased client's data has left every backup within `kernel.registry.erased_data_gone_within_days()` days. A restore
checks the checksum and the fingerprint, migrates, then erases again everyone in the erasure ledger.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.utils import timezone

from ops.backup import crypto, snapshot
from ops.backup.stores import Store, configured_stores
from ops.models import BackupRun

logger = logging.getLogger(__name__)

NAME_FORMAT = "tilli-%Y%m%dT%H%M%SZ"
MANIFEST_FORMAT = 1


class BackupError(Exception):
    """A backup could not be taken, or a backup does not verify or restore whole."""


def backup_keys() -> dict[str, bytes]:
    if not settings.BACKUP_KEYS:
        raise ImproperlyConfigured("Set BACKUP_KEY (id:base64 of 32 random bytes, apart from TILLI_MASTER_KEYS); "
                                   "see docs/backups.md.")
    return settings.BACKUP_KEYS


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(crypto.CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def backup_create(*, now: dt.datetime | None = None, single_destination: bool = False) -> BackupRun:
    """Take, seal and write one backup to every destination, then apply retention there. Fails loudly."""
    keys = backup_keys()
    stores = configured_stores()
    if len(stores) < 2 and not single_destination:
        raise ImproperlyConfigured("Set BACKUP_S3_BUCKET: backups are written to two places (see docs/backups.md).")
    now = now or timezone.now()
    name = now.astimezone(dt.UTC).strftime(NAME_FORMAT)
    run = BackupRun.objects.create(name=name, started_at=now)
    try:
        key_id = next(iter(keys))
        database = snapshot.Database.configured()
        with tempfile.TemporaryDirectory(prefix="tilli-backup-") as work:
            plain, sealed, manifest_path = Path(work) / "snapshot", Path(work) / f"{name}.tbk", Path(
                work) / f"{name}.manifest.json"
            fingerprint = snapshot.take(database, plain)
            with open(plain, "rb") as source, open(sealed, "wb") as target:
                crypto.encrypt(source, target, key_id=key_id, key=keys[key_id])
            plain.unlink()  # the clear copy leaves the disk before anything is uploaded
            manifest = {"format": MANIFEST_FORMAT, "name": name, "created_at": now.isoformat(),
                        "engine": database.vendor, "key_id": key_id, "size": sealed.stat().st_size,
                        "sha256": _sha256(sealed), "fingerprint": fingerprint}
            manifest_path.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
            for store in stores:
                store.put(sealed, sealed.name)
                store.put(manifest_path, manifest_path.name)  # last: a backup counts once its manifest is there
        run.ok, run.size, run.sha256 = True, manifest["size"], manifest["sha256"]
        run.destinations = [store.label for store in stores]
    except Exception as error:
        run.error = type(error).__qualname__  # never the message: it may quote data
        raise
    finally:
        run.finished_at = timezone.now()
        run.save()
    for store in stores:
        for old in plan_retention(store.names(), now=now)[1]:
            store.remove_backup(old)
    return run


def plan_retention(names: list[str], *, now: dt.datetime, daily: int | None = None,
                   monthly: int | None = None) -> tuple[list[str], list[str]]:
    """(kept, deleted): every backup of the last `daily` days and the first of each of the last `monthly`
    calendar months (this one included). Names not in our format are never deleted."""
    daily = settings.BACKUP_KEEP_DAILY if daily is None else daily
    monthly = settings.BACKUP_KEEP_MONTHLY if monthly is None else monthly
    taken = {}
    for name in names:
        try:
            taken[name] = dt.datetime.strptime(name, NAME_FORMAT).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    now = now.astimezone(dt.UTC)
    keep = {name for name, at in taken.items() if at > now - dt.timedelta(days=daily)}
    months = set()
    year, month = now.year, now.month
    for _ in range(monthly):
        months.add((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    first_of_month: dict[tuple[int, int], str] = {}
    for name, at in sorted(taken.items(), key=lambda item: item[1]):
        first_of_month.setdefault((at.year, at.month), name)
    keep |= {name for month_key, name in first_of_month.items() if month_key in months}
    kept = sorted(n for n in names if n in keep or n not in taken)
    return kept, sorted(n for n in taken if n not in keep)


def _store(source: str) -> Store:
    for store in configured_stores():
        if store.label == source:
            return store
    raise BackupError(f"no {source} destination is configured")


def fetch(*, name: str, source: str, directory: Path) -> tuple[Path, dict[str, Any]]:
    """Download a backup, check its size and checksum against its manifest, decrypt it; returns the snapshot."""
    store = _store(source)
    if name == "latest":
        names = store.names()
        if not names:
            raise BackupError(f"no backup in the {source} destination")
        name = names[-1]
    manifest_path, sealed = directory / f"{name}.manifest.json", directory / f"{name}.tbk"
    try:
        store.get(manifest_path.name, manifest_path)
        store.get(sealed.name, sealed)
    except (OSError, LookupError) as error:
        raise BackupError(f"backup {name} is not in the {source} destination") from error
    except Exception as error:
        if type(error).__name__ in ("ClientError", "NoSuchKey"):
            raise BackupError(f"backup {name} is not in the {source} destination") from error
        raise
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(f"backup {name}: unknown manifest format {manifest.get('format')!r}")
    if sealed.stat().st_size != manifest["size"] or _sha256(sealed) != manifest["sha256"]:
        raise BackupError(f"backup {name}: the file does not match the checksum in its manifest")
    plain = directory / "snapshot"
    try:
        with open(sealed, "rb") as source_file, open(plain, "wb") as target:
            crypto.decrypt(source_file, target, keys=backup_keys())
    except crypto.BackupDecryptionError as error:
        raise BackupError(f"backup {name}: {error}") from None
    sealed.unlink()
    return plain, manifest


def _check_fingerprint(database: snapshot.Database, manifest: dict[str, Any]) -> dict[str, Any]:
    found = snapshot.fingerprint(database)
    expected = manifest["fingerprint"]
    if found["sha256"] != expected["sha256"]:
        differing = sorted(t for t in set(found["tables"]) | set(expected["tables"])
                           if found["tables"].get(t) != expected["tables"].get(t))
        raise BackupError(f"the restored database differs from the backup in: {', '.join(differing[:10])}")
    return found


@dataclass
class RestoreReport:
    name: str
    tables: int
    rows: int
    sha256: str
    ledger_entries: int = 0
    erased_again: int = 0
    audit_chains: int = 0
    audit_broken: list[int] = field(default_factory=list)
    erased_back: int = 0

    @property
    def ok(self) -> bool:
        return not self.audit_broken and not self.erased_back


def restore_backup(*, name: str, source: str, replace_existing: bool) -> RestoreReport:
    """Restore a backup into the configured database, then migrate and replay the erasure ledger."""
    from django.core.management import call_command

    from privacy.erasure import replay_erasures

    database = snapshot.Database.configured()
    with tempfile.TemporaryDirectory(prefix="tilli-restore-") as work:
        plain, manifest = fetch(name=name, source=source, directory=Path(work))
        if manifest["engine"] != database.vendor:
            raise BackupError(f"backup {manifest['name']} is a {manifest['engine']} backup; the database is "
                              f"{database.vendor}")
        connections.close_all()
        try:
            snapshot.restore(plain, database, replace_existing=replace_existing)
        except snapshot.SnapshotError as error:
            raise BackupError(str(error)) from None
    found = _check_fingerprint(database, manifest)
    call_command("migrate", interactive=False, verbosity=0)
    checked, erased = replay_erasures()
    return RestoreReport(name=manifest["name"], tables=len(found["tables"]), rows=found["rows"],
                         sha256=found["sha256"], ledger_entries=checked, erased_again=erased)


def restore_drill(*, name: str, source: str) -> RestoreReport:
    """Restore into a scratch database beside the live one and prove it whole, then drop it.

    The scratch copy must match the backup's fingerprint (row counts and checksums per table); then a
    separate process using the scratch copy as its database migrates it, replays the erasure ledger,
    verifies every organization's audit chain and counts erased clients who are back (must be none).
    """
    live = snapshot.Database.configured()
    with tempfile.TemporaryDirectory(prefix="tilli-drill-") as work:
        plain, manifest = fetch(name=name, source=source, directory=Path(work))
        scratch = snapshot.create_scratch(live, Path(work))
        try:
            snapshot.restore(plain, scratch, replace_existing=False)
            found = _check_fingerprint(scratch, manifest)
            env = {**os.environ, "DATABASE_URL": scratch.url(),
                   "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "tilli.settings")}
            result = subprocess.run(  # noqa: S603
                [sys.executable, str(settings.BASE_DIR / "manage.py"), "restore_drill", "--verify-here",
                 "--ledger", str(settings.ERASURE_LEDGER_PATH)],
                env=env, capture_output=True, text=True, check=False, timeout=3600)
        finally:
            snapshot.drop_scratch(scratch)
    if result.returncode != 0:
        raise BackupError("the drill's verification process failed: "
                          + (result.stderr.strip().splitlines() or ["no message"])[-1][:300])
    verified = json.loads(result.stdout.strip().splitlines()[-1])
    return RestoreReport(name=manifest["name"], tables=len(found["tables"]), rows=found["rows"],
                         sha256=found["sha256"], **verified)


def verify_restored(*, ledger: Path) -> dict[str, Any]:
    """Inside the drill's process, whose database is the scratch copy: migrate, replay, verify."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    from clients.models import Client
    from kernel.audit import verify
    from privacy.erasure import _file_entries, replay_erasures
    from privacy.models import ErasureRecord
    from tenancy.models import Organization

    call_command("migrate", interactive=False, verbosity=0)
    with override_settings(ERASURE_LEDGER_PATH=ledger):
        checked, erased = replay_erasures()
        subjects = {(e["organization"], str(e["subject_ref"])) for e in _file_entries()}
    subjects |= {(o, str(s)) for o, s in ErasureRecord.objects.values_list("organization_id", "subject_ref")}
    back = sum(Client.objects.filter(organization_id=o, subject_ref=s, erased_at=None).count() for o, s in subjects)
    chains = [(org.pk, verify(org).ok) for org in Organization.objects.order_by("pk")]
    return {"ledger_entries": checked, "erased_again": erased, "audit_chains": len(chains),
            "audit_broken": [pk for pk, ok in chains if not ok], "erased_back": back}
