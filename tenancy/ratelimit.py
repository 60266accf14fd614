"""Request limits counted atomically in the database, shared by every process and server.

A limit is a fixed window: requests under one name are counted in the window the current time
falls in, and the (limit + 1)-th request of a window is refused. The count is one statement,
`INSERT ... ON CONFLICT (key_hash) DO UPDATE SET hits = hits + 1 RETURNING hits`, so the database
serialises concurrent requests and no two of them read the same count (a cache's read-then-write
let 36 of 60 simultaneous requests pass a limit of 20). SQLite (3.35+) and PostgreSQL run the
same statement.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from tenancy.models import RateCounter

_COUNT_SQL = ("INSERT INTO tenancy_ratecounter (key_hash, hits, expires_at) VALUES (%s, 1, %s) "
              "ON CONFLICT (key_hash) DO UPDATE SET hits = tenancy_ratecounter.hits + 1 RETURNING hits")


def _key(name: str, window: int) -> str:
    """A keyed hash: the table holds neither the address nor the email a limit's name may carry."""
    # surrogatepass: a name may carry whatever text a caller sent, a lone surrogate included
    return salted_hmac("tilli.ratelimit", f"{name}|{window}".encode("utf-8", "surrogatepass"),
                       secret=settings.SECRET_KEY,
                       algorithm="sha256").hexdigest()


def _count(key_hash: str, expires: dt.datetime) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_COUNT_SQL, [key_hash, expires])
        return cursor.fetchone()[0]


def count(name: str, window_seconds: int) -> int:
    """Count one request under `name` in the current window; returns the window's count so far."""
    window = int(timezone.now().timestamp()) // window_seconds
    return _count(_key(name, window), dt.datetime.fromtimestamp((window + 1) * window_seconds, tz=dt.UTC))


def first_use(name: str, keep_seconds: int) -> bool:
    """True the first time `name` is used, False ever after (for `keep_seconds`, which must outlive
    whatever `name` stands for, e.g. a challenge's validity): a one-time token's use, atomically."""
    return _count(_key(name, 0), timezone.now() + dt.timedelta(seconds=keep_seconds)) == 1


def over_limit(name: str, limit: int, window_seconds: int = 600) -> bool:
    """Count one request; True once more than `limit` arrived under `name` within the window."""
    return count(name, window_seconds) > limit


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete the counters of windows that have passed; returns how many."""
    deleted, _ = RateCounter.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
