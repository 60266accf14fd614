"""What a booking through the API costs against a trivial authenticated request, and its ceiling.

Issue 15 asks for bookings/s at least half the rate of a trivial authenticated GET on the same server. This
measures the two in process (Django's test client, the whole middleware stack and the API, no network), and
then the booking's own SQL alone: the statements one booking sends (captured from a real booking that is
rolled back), replayed with their parameters in a rolled-back transaction, with no Python, no ORM and no
request around them. The trivial GET plus that replay is the fastest a booking with these guarantees could
be (the access door, the lock, the re-check, appointment, occupancies, state log, audit row, event, dispatch),
so `GET / (GET + replay)` is the ratio's ceiling on this machine and database.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import statistics
import sys
import time

from django.db import connection, transaction
from django.test import Client
from tqdm import tqdm

from api.services import api_token_create
from kernel.audit import Actor
from tilli.test import UserFactory, add_member, make_bookable


class _RolledBack(Exception):
    """Raised to leave a transaction without committing it."""


def _call(client: Client, method: str, path: str, token: str, body: dict | None = None):
    return client.generic(method, f"/api/v1{path}", data=json.dumps(body) if body else "",
                          content_type="application/json", headers={"Authorization": f"Bearer {token}"})


def _captured(client: Client, token: str, body: dict) -> list[tuple[str, list]]:
    """The statements one booking sends, except the token lookup the trivial GET sends too; rolled back."""
    sent: list[tuple[str, list]] = []

    def keep(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    try:
        with transaction.atomic(), connection.execute_wrapper(keep):
            assert _call(client, "POST", "/appointments", token, body).status_code == 201
            raise _RolledBack
    except _RolledBack:
        pass
    return [(sql, params) for sql, params in sent if "SAVEPOINT" not in sql and "api_apitoken" not in sql]


def _replay(statements: list[tuple[str, list]]) -> None:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
            raise _RolledBack
    except _RolledBack:
        pass


def floor_bench(make_org, rounds: int) -> None:
    org = make_org("Booking Floor Bench")
    reception = add_member(org, "reception", UserFactory())
    _, staff, service = make_bookable(org, add_member(org, "practitioner", UserFactory()), hours=((8, 20),))
    token = api_token_create(membership=reception, name="bench", actor=Actor.system("bench"))[1]
    client = Client()
    logging.getLogger("tilli.access").setLevel(logging.WARNING)  # a line per request would drown the table
    starts, first = [], dt.date.today() + dt.timedelta(days=7)
    while len(starts) < rounds + 4:  # a week at a time, whole hours: an hour's service each
        week = _call(client, "GET", f"/availability?service={service.pk}&start={first}"
                                    f"&end={first + dt.timedelta(days=6)}", token).json()
        starts += [slot["start"] for slot in week if slot["start"][14:16] == "00"]
        first += dt.timedelta(days=7)
    spare, starts = starts[:4], starts[4:]
    body = {"service_id": service.pk, "staff_id": staff.pk, "channel": "phone"}
    for _ in range(50):  # warm: imports, caches, the connection
        _call(client, "GET", "/me", token)
    trivial, booking, replay, taken = [], [], [], 0
    per_round = min(rounds, len(starts)) // 4
    progress = tqdm(total=per_round * 4, desc="booking floor", unit="booking", leave=False, file=sys.stderr)
    for turn in range(4):  # interleaved, so drift in machine load hits all three alike
        statements = _captured(client, token, {**body, "start": spare[turn]})
        for _ in range(per_round):
            began = time.perf_counter()
            _replay(statements)
            replay.append(time.perf_counter() - began)
        for start in starts[turn * per_round:(turn + 1) * per_round]:
            began = time.perf_counter()
            _call(client, "GET", "/me", token)
            trivial.append(time.perf_counter() - began)
            began = time.perf_counter()
            status = _call(client, "POST", "/appointments", token, {**body, "start": start}).status_code
            booking.append(time.perf_counter() - began)
            taken += status != 201
            progress.update()
    progress.close()
    me, book, sql = (statistics.median(s) * 1e3 for s in (trivial, booking, replay))
    print(f"\nA booking against a trivial authenticated GET, in process on {connection.vendor} "
          f"({len(booking)} bookings, {taken} refused; medians)")
    print(f"{'what':<58}{'median':>10}{'ratio':>8}")
    print(f"{'GET /api/v1/me (the trivial request)':<58}{me:>8.2f}ms{1:>8.2f}")
    print(f"{'POST /api/v1/appointments':<58}{book:>8.2f}ms{book / me:>8.2f}")
    print(f"{'its ' + str(len(statements)) + ' statements replayed alone (no Python, rolled back)':<58}"
          f"{sql:>8.2f}ms{sql / me:>8.2f}")
    print(f"bookings/s ÷ trivial GET/s in process: {me / book:.2f}; ceiling with these statements: "
          f"{me / (me + sql):.2f} (target 0.5)")
