"""Consistent snapshots of the database, their restoration, and a fingerprint to prove a restore is whole.

SQLite: the online backup API copies a consistent image while the application keeps running.
PostgreSQL: `pg_dump` in custom format inside an exported snapshot, so the fingerprint taken in the
same transaction describes exactly what the dump holds. The fingerprint is, per table, the row count and
a SHA-256 over the rows in primary-key order, read through the plain driver (no ORM conversions), so a
backup and its restore on the same engine compare byte for byte.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.db import connections

SQLITE, POSTGRESQL = "sqlite", "postgresql"


class SnapshotError(Exception):
    """A dump or restore tool failed, or the target is not what the operation needs."""


@dataclass(frozen=True)
class Database:
    vendor: str
    name: str  # the file (SQLite) or the database name (PostgreSQL)
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def configured(cls, alias: str = "default") -> Database:
        settings = connections[alias].settings_dict
        vendor = connections[alias].vendor
        if vendor not in (SQLITE, POSTGRESQL):
            raise SnapshotError(f"backups support SQLite and PostgreSQL, not {vendor}")
        return cls(vendor=vendor, name=str(settings["NAME"]), host=settings.get("HOST") or "",
                   port=str(settings.get("PORT") or ""), user=settings.get("USER") or "",
                   password=settings.get("PASSWORD") or "")

    def url(self) -> str:
        """A DATABASE_URL naming this database (for a process that should use it as its own)."""
        if self.vendor == SQLITE:
            return f"sqlite:///{self.name}"
        from urllib.parse import quote

        credentials = quote(self.user, safe="") + (":" + quote(self.password, safe="") if self.password else "")
        return f"postgres://{credentials}@{self.host or 'localhost'}:{self.port or 5432}/{quote(self.name, safe='')}"

    def _pg_env(self) -> dict[str, str]:
        env = {**os.environ, "PGDATABASE": self.name}
        for variable, value in (("PGHOST", self.host), ("PGPORT", self.port), ("PGUSER", self.user),
                                ("PGPASSWORD", self.password)):
            if value:
                env[variable] = value
        return env

    def _pg_connect(self, *, dbname: str | None = None, autocommit: bool = False):
        import psycopg

        return psycopg.connect(dbname=dbname or self.name, host=self.host or None, port=self.port or None,
                               user=self.user or None, password=self.password or None, autocommit=autocommit)


def take(database: Database, target: Path) -> dict[str, Any]:
    """Write a consistent snapshot of `database` to `target`; returns the fingerprint of what it holds."""
    if database.vendor == SQLITE:
        source = sqlite3.connect(database.name)
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
        return fingerprint(replace(database, name=str(target)))
    with database._pg_connect() as connection:
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot_id = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        _run(["pg_dump", "--format=custom", f"--snapshot={snapshot_id}", f"--file={target}"], database._pg_env())
        result = _fingerprint_pg(connection)
        connection.rollback()
    return result


def restore(snapshot: Path, database: Database, *, replace_existing: bool) -> None:
    """Load a snapshot into `database`, which must be empty unless `replace_existing`."""
    if not replace_existing and not is_empty(database):
        raise SnapshotError("the target database is not empty")
    if database.vendor == SQLITE:
        source = sqlite3.connect(snapshot)
        destination = sqlite3.connect(database.name)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
        return
    command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
               f"--dbname={database.name}"]
    if replace_existing:
        command += ["--clean", "--if-exists"]
    _run([*command, str(snapshot)], database._pg_env())


def is_empty(database: Database) -> bool:
    return not _tables(database)


def create_scratch(like: Database, directory: Path) -> Database:
    """A new empty database beside `like` (a file in `directory` for SQLite) for a restore drill."""
    if like.vendor == SQLITE:
        return replace(like, name=str(directory / "drill.sqlite3"))
    scratch = replace(like, name=f"tilli_drill_{uuid.uuid4().hex[:12]}")
    with like._pg_connect(autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{scratch.name}"')
    return scratch


def drop_scratch(scratch: Database) -> None:
    if scratch.vendor == SQLITE:
        for suffix in ("", "-wal", "-shm"):
            Path(scratch.name + suffix).unlink(missing_ok=True)
        return
    with scratch._pg_connect(dbname="postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{scratch.name}" WITH (FORCE)')


def fingerprint(database: Database) -> dict[str, Any]:
    if database.vendor == SQLITE:
        connection = sqlite3.connect(database.name)
        try:
            tables = {}
            for table in _sqlite_tables(connection):
                cursor = connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid')  # noqa: S608 (catalog names)
                tables[table] = _digest(cursor)
            return _summary(tables)
        finally:
            connection.close()
    with database._pg_connect() as connection:
        return _fingerprint_pg(connection)


def _fingerprint_pg(connection) -> dict[str, Any]:
    connection.execute("SET TIME ZONE 'UTC'")
    tables = {}
    for table in _pg_tables(connection):
        keys = [row[0] for row in connection.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY a.attnum",
            [f'public."{table}"'])]
        order = ", ".join(f'"{key}"' for key in keys) if keys else "1"
        cursor = connection.execute(f'SELECT * FROM public."{table}" ORDER BY {order}')  # noqa: S608 (catalog names)
        tables[table] = _digest(cursor)
    return _summary(tables)


def _digest(cursor) -> dict[str, Any]:
    digest, rows = hashlib.sha256(), 0
    for row in cursor:
        values = tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
        digest.update(repr(values).encode() + b"\n")
        rows += 1
    return {"rows": rows, "sha256": digest.hexdigest()}


def _summary(tables: dict[str, dict[str, Any]]) -> dict[str, Any]:
    overall = hashlib.sha256()
    for name in sorted(tables):
        overall.update(f"{name}:{tables[name]['rows']}:{tables[name]['sha256']}\n".encode())
    return {"tables": dict(sorted(tables.items())), "rows": sum(t["rows"] for t in tables.values()),
            "sha256": overall.hexdigest()}


def _tables(database: Database) -> list[str]:
    if database.vendor == SQLITE:
        if not Path(database.name).exists():
            return []
        connection = sqlite3.connect(database.name)
        try:
            return _sqlite_tables(connection)
        finally:
            connection.close()
    with database._pg_connect() as connection:
        return _pg_tables(connection)


def _sqlite_tables(connection: sqlite3.Connection) -> list[str]:
    return [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def _pg_tables(connection) -> list[str]:
    return [row[0] for row in connection.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
        "AND table_type = 'BASE TABLE' ORDER BY table_name")]


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        # The tools' messages name objects, not rows; still, keep only the first line.
        first = (result.stderr.strip().splitlines() or ["no message"])[0][:200]
        raise SnapshotError(f"{command[0]} failed ({result.returncode}): {first}")
