#!/usr/bin/env python
"""Benchmarks: each result is a ratio against a baseline measured in the same run.

Machines here are noisy, so absolute times are printed only for orientation; the ratios
are what to compare between runs. Runs on a throwaway SQLite file under var/bench/
(or the database in BENCH_DATABASE_URL).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
BENCH_DIR.mkdir(parents=True, exist_ok=True)
DB_FILE = BENCH_DIR / "bench.sqlite3"
for suffix in ("", "-wal", "-shm"):
    Path(f"{DB_FILE}{suffix}").unlink(missing_ok=True)
os.environ.setdefault("DATABASE_URL", os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{DB_FILE}"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tilli.settings_test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from tqdm import tqdm  # noqa: E402

from kernel.audit import GENESIS_HASH, Actor, _rows, record, verify  # noqa: E402
from kernel.models import AuditAction, AuditEvent  # noqa: E402
from tilli.test import make_organization  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "100000"))
ACTOR = Actor(kind="user", user_id=1, label="Bench Person", role="reception", ip="192.0.2.1")


def timed(label: str, fn: Callable[[int], None], rounds: int) -> list[float]:
    samples = []
    for i in tqdm(range(rounds), desc=label, unit="op", leave=False, file=sys.stderr):
        start = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    if os.environ.get("BENCH_ONLY") == "booking":
        from bench.booking import booking_benches

        booking_benches(lambda name: make_organization(name=name), rounds=max(10, ROUNDS // 100))
        from bench.booking_floor import floor_bench

        floor_bench(lambda name: make_organization(name=name), rounds=max(80, ROUNDS // 5))
        return
    if os.environ.get("BENCH_ONLY") == "calendar":
        from bench.calendar_day import calendar_benches

        calendar_benches(lambda name: make_organization(name=name), rounds=max(20, ROUNDS // 40))
        return
    if os.environ.get("BENCH_ONLY") == "privacy":
        from bench.privacy import privacy_benches

        privacy_benches(lambda name: make_organization(name=name))
        return
    if os.environ.get("BENCH_ONLY") == "dashboard":
        from bench.dashboard import dashboard_benches

        dashboard_benches(lambda name: make_organization(name=name), rounds=max(20, ROUNDS // 20))
        return
    if os.environ.get("BENCH_ONLY") == "counter":
        from bench.counter import counter_benches

        counter_benches(lambda name: make_organization(name=name))
        return
    if os.environ.get("BENCH_ONLY") == "payments":
        from bench.payments import payment_benches

        payment_benches(lambda name: make_organization(name=name), rounds=max(50, ROUNDS // 10))
        return
    if os.environ.get("BENCH_ONLY") == "notify":
        from bench.notify import notify_benches

        notify_benches(lambda name: make_organization(name=name))
        return
    org = make_organization(name="Bench Salon")
    seq = iter(range(10**6, 10**7))

    def plain_insert(i: int) -> None:
        # Baseline: the same row written in its own transaction, without the chain head lock or hash.
        with transaction.atomic():
            AuditEvent(organization=org, seq=next(seq), created_at=timezone.now(), actor_kind="user",
                       actor_user_id=1, actor_label="Bench Person", actor_role="reception", action="view",
                       object_type="clients.client", object_id=str(i), ip="192.0.2.1", prev_hash=GENESIS_HASH,
                       hash=GENESIS_HASH).save()

    def chained(i: int) -> None:
        record(organization=org, actor=ACTOR, action=AuditAction.VIEW, object_type="clients.client", object_id=str(i))

    # Interleave the two so drift in machine load hits both alike.
    base, audit = [], []
    for _ in range(4):
        base += timed("plain insert", plain_insert, ROUNDS // 4)
        audit += timed("audit record", chained, ROUNDS // 4)
    base_med, audit_med = statistics.median(base), statistics.median(audit)

    # Verification: hashing every row vs merely reading them.
    bench_org = make_organization(name="Verify Salon")
    for i in tqdm(range(ROUNDS * 5), desc="filling chain", unit="row", leave=False, file=sys.stderr):
        record(organization=bench_org, actor=ACTOR, action=AuditAction.VIEW, object_type="x", object_id=str(i))
    start = time.perf_counter()
    count = sum(1 for _ in _rows(bench_org))
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    result = verify(bench_org)
    verify_s = time.perf_counter() - start
    assert result.ok and result.checked == count

    print(f"\nTilli benchmarks on {connection.vendor} ({ROUNDS} rounds; medians)")
    print(f"{'what':<44}{'median':>12}{'baseline':>12}{'ratio':>8}")
    print(f"{'audit record (lock head, hash, insert)':<44}{audit_med * 1e3:>10.3f}ms{base_med * 1e3:>10.3f}ms"
          f"{audit_med / base_med:>8.2f}")
    print(f"{'verify chain of ' + str(count) + ' rows':<44}{verify_s * 1e3:>10.1f}ms{read_s * 1e3:>10.1f}ms"
          f"{verify_s / read_s:>8.2f}")
    print(f"{'verify throughput':<44}{count / verify_s:>9.0f}/s")

    from bench.clients import fill, page_bench, search_bench

    salon = make_organization(name="Search Salon")
    samples = fill(salon, CLIENTS)
    print(f"\nCustomer register: {CLIENTS} clients (target: search under 30 ms, audit overhead under 15%)")
    for label, median_ms in search_bench(salon, samples):
        print(f"{label:<44}{median_ms:>10.3f}ms")
    audited_ms, plain_ms = page_bench(salon, rounds=max(20, ROUNDS // 40))
    print(f"{'client page, 500 visits, audited read':<44}{audited_ms:>10.2f}ms{plain_ms:>10.2f}ms"
          f"{audited_ms / plain_ms:>8.2f}")

    from bench.booking import booking_benches

    booking_benches(lambda name: make_organization(name=name), rounds=max(10, ROUNDS // 100))

    from bench.calendar_day import calendar_benches

    calendar_benches(lambda name: make_organization(name=name), rounds=max(20, ROUNDS // 40))

    from bench.privacy import privacy_benches

    privacy_benches(lambda name: make_organization(name=name))

    from bench.notify import notify_benches

    notify_benches(lambda name: make_organization(name=name))

    from bench.dashboard import dashboard_benches

    dashboard_benches(lambda name: make_organization(name=name), rounds=max(20, ROUNDS // 20))

    from bench.counter import counter_benches

    counter_benches(lambda name: make_organization(name=name))


if __name__ == "__main__":
    main()
