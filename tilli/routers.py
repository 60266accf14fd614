"""Read-only reports on a streaming replica, when there is one (docs/scaling.md, section 2).

Reads go to the `replica` alias only inside `reading_from_replica()` (or a function decorated with
`on_replica`), and only when `DATABASE_REPLICA_URL` configured that alias; everything else, and every
write, goes to `default`. So the default stays safe: nothing reads stale data unless a report was
explicitly moved, and a report that reads its own write cannot be one of them. The audit chain and the
organizations' keys are never read from the replica: they are read to be locked and written.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

REPLICA = "replica"
_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)
NEVER_ON_REPLICA = frozenset({"kernel.auditevent", "kernel.auditchainhead", "tenancy.organizationkey"})


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Reads inside go to the replica if one is configured (seconds behind the primary at most)."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def on_replica[**P, R](function: Callable[P, R]) -> Callable[P, R]:
    """A read-only report selector whose reads may go to the replica."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with reading_from_replica():
            return function(*args, **kwargs)

    return wrapper


def _replica_is_another_database() -> bool:
    """A `replica` alias that names the primary's own database (a test mirror, or a URL equal to
    DATABASE_URL) is read through the default connection, which also sees the current transaction."""
    if REPLICA not in settings.DATABASES:
        return False
    replica, primary = connections[REPLICA].settings_dict, connections["default"].settings_dict
    return any(replica.get(key) != primary.get(key) for key in ("HOST", "PORT", "NAME"))


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str | None:
        if (_reading_from_replica.get() and model._meta.label_lower not in NEVER_ON_REPLICA
                and _replica_is_another_database()):
            return REPLICA
        return None  # default

    def db_for_write(self, model, **hints) -> str:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replica holds the same rows

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db != REPLICA  # a standby is read-only; it follows the primary's schema
