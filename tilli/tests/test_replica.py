"""Read-only reports go to a streaming replica, writes never: against a real PostgreSQL standby.

Runs only where DATABASE_REPLICA_URL names one and TILLI_TEST_REPLICA=1:
`TILLI_TEST_REPLICA=1 bin/with-postgres-replica .venv/bin/python -m pytest -m replica tilli/tests/test_replica.py`.
"""

import datetime as dt
import os
import time

import dj_database_url
import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext

from booking.models import Channel, Location
from booking.reports import staff_figures
from booking.services import appointment_book
from kernel.audit import Actor
from tilli.routers import reading_from_replica
from tilli.test import build_world, make_bookable

pytestmark = [
    pytest.mark.replica,
    pytest.mark.skipif("replica" not in settings.DATABASES,
                       reason="needs DATABASE_REPLICA_URL and TILLI_TEST_REPLICA=1 (a streaming replica)"),
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]
DAY = dt.date(2030, 6, 12)


def _one(alias: str, sql: str, params=()):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _caught_up() -> None:
    """Wait until the standby has replayed everything the primary has written so far."""
    lsn = _one("default", "SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + 15
    while not _one("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]):
        assert time.monotonic() < deadline, "the replica did not catch up in 15 s"
        time.sleep(0.05)


@pytest.fixture
def standby():
    """The `replica` alias, which mirrors the test database during setup, pointed at the real standby (the
    primary's test database arrives there by streaming replication)."""
    replica, url = connections["replica"], dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"])
    saved = replica.settings_dict
    replica.close()
    replica.settings_dict = {**connections["default"].settings_dict, "HOST": url["HOST"], "PORT": url["PORT"],
                             "TEST": saved["TEST"]}
    assert _one("replica", "SELECT pg_is_in_recovery()") is True
    yield replica
    _one("replica", "SELECT pg_wal_replay_resume()::text")
    replica.close()
    replica.settings_dict = saved


def _book(service, staff, hour: int):
    start = dt.datetime.combine(DAY, dt.time(hour), dt.UTC)
    return appointment_book(service=service, start=start, client=None, staff=staff, channel=Channel.STAFF,
                            actor=Actor.system("test"))


def test_report_reads_go_to_the_replica_and_writes_to_the_primary(standby):
    world = build_world()
    _, staff, service = make_bookable(world.org, world.practitioner)
    _book(service, staff, 7)
    _caught_up()

    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(standby) as replica:
        figures = staff_figures(world.org, DAY, DAY)
    assert [f.appointments for f in figures if f.resource_id == staff.pk] == [1]
    assert replica.captured_queries and not primary.captured_queries

    # With the standby's replay paused, the report shows the standby's (older) figures: it really reads there.
    _one("replica", "SELECT pg_wal_replay_pause()::text")
    _book(service, staff, 9)
    assert [f.appointments for f in staff_figures(world.org, DAY, DAY) if f.resource_id == staff.pk] == [1]
    assert [f.appointments for f in staff_figures.__wrapped__(world.org, DAY, DAY)
            if f.resource_id == staff.pk] == [2]  # the same report on the primary
    _one("replica", "SELECT pg_wal_replay_resume()::text")
    _caught_up()
    assert [f.appointments for f in staff_figures(world.org, DAY, DAY) if f.resource_id == staff.pk] == [2]


def test_a_write_inside_the_replica_context_goes_to_the_primary(standby):
    world = build_world()
    with reading_from_replica(), CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(standby) as replica:
        location = Location.objects.create(organization=world.org, name="Annex", time_zone="Europe/Helsinki")
    assert any(q["sql"].startswith("INSERT") for q in primary.captured_queries)
    assert not any(q["sql"].startswith(("INSERT", "UPDATE", "DELETE")) for q in replica.captured_queries)
    assert Location.objects.using("default").filter(pk=location.pk).exists()
    # Outside the context every read is the primary's, so a write is read back at once.
    with CaptureQueriesContext(standby) as replica:
        assert Location.objects.filter(pk=location.pk).exists()
    assert not replica.captured_queries
