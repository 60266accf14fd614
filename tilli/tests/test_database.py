"""The embedded database runs in WAL mode with immediate write transactions."""

import pytest
from django.db import connection
from django.test import Client


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite-specific pragmas")
def test_sqlite_uses_wal_and_foreign_keys(db):
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_health_check_answers_with_the_database_reachable(db):
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
