"""Readiness: whether this installation can do its work, check by check, for a load balancer or a monitor.

Each check answers ok or not with the figure it compared and its limit (settings HEALTH_*). Figures
are installation-wide counts and ages: nothing about a tenant or a person. The worker's heartbeat is
written by a task only the scheduler enqueues, so a recent one shows both are running; the age of
the oldest due task tells which one stopped.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from ops import selectors


@dataclass(frozen=True)
class Check:
    ok: bool
    value: Any = None
    limit: Any = None


_migrations_applied = False  # once applied they stay applied: the migration graph is read once per process


def _database() -> Check:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        return Check(cursor.fetchone() == (1,))


def _migrations() -> Check:
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            return Check(False, value=len(pending), limit=0)
        _migrations_applied = True
    return Check(True, value=0, limit=0)


def _age_check(at, limit_seconds: int, now) -> Check:
    if at is None:
        return Check(False, value=None, limit=limit_seconds)
    age = round((now - at).total_seconds())
    return Check(age <= limit_seconds, value=age, limit=limit_seconds)


def readiness() -> dict[str, Check]:
    """Every check; the database ones first, and none of the others when the database is down."""
    try:
        database = _database()
    except Exception:  # any driver error means not ready; its message may quote data, so it is not shown
        return {"database": Check(False)}
    now = timezone.now()
    checks = {"database": database, "migrations": _migrations()}
    checks["worker_heartbeat"] = _age_check(selectors.heartbeat_at(), settings.HEALTH_HEARTBEAT_MAX_AGE_SECONDS, now)
    backlog = selectors.outbox_backlog(now)
    checks["outbox_backlog"] = Check(backlog <= settings.HEALTH_OUTBOX_MAX_BACKLOG, backlog,
                                     settings.HEALTH_OUTBOX_MAX_BACKLOG)
    _, task_age = selectors.due_tasks(now)
    task_age = round(task_age) if task_age is not None else 0
    checks["oldest_due_task"] = Check(task_age <= settings.HEALTH_TASK_MAX_AGE_SECONDS, task_age,
                                      settings.HEALTH_TASK_MAX_AGE_SECONDS)
    if settings.HEALTH_BACKUP_MAX_AGE_HOURS:
        backup = selectors.last_good_backup()
        checks["last_backup"] = _age_check(backup.finished_at if backup else None,
                                           settings.HEALTH_BACKUP_MAX_AGE_HOURS * 3600, now)
    return checks


def as_json(checks: dict[str, Check]) -> dict[str, Any]:
    return {"status": "ok" if all(c.ok for c in checks.values()) else "fail",
            "checks": {name: asdict(check) for name, check in checks.items()}}
