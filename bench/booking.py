"""Booking benchmarks: availability with many staff and appointments, and concurrent HTTP booking."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import connection
from tqdm import tqdm

from booking.models import (
    Appointment,
    Channel,
    Location,
    Occupancy,
    Resource,
    ResourceKind,
    Service,
    StartAlignment,
    WorkingHours,
)
from booking.selectors import free_slots
from tenancy.models import Membership, Organization
from tilli.test import UserFactory, add_member

ROOT = Path(__file__).resolve().parent.parent
HEL = ZoneInfo("Europe/Helsinki")
FIRST_DAY = dt.date(2027, 2, 1)
DAYS = 30


def build_staff(organization: Organization, count: int, appointments: int) -> list[Resource]:
    """`count` staff working Mon-Sat 9-17 with a lunch break, and `appointments` spread over 30 days."""
    location = Location.objects.create(organization=organization, name="Bench", time_zone="Europe/Helsinki")
    resources = []
    for n in tqdm(range(count), desc="staff", file=sys.stderr, leave=False):
        member = add_member(organization, "practitioner", UserFactory())
        resource = Resource.objects.create(organization=organization, kind=ResourceKind.STAFF, name=f"S{n}",
                                           membership=member, location=location)
        WorkingHours.objects.bulk_create([
            WorkingHours(organization=organization, resource=resource, location=location, weekday=d,
                         start_time=dt.time(h0), end_time=dt.time(h1))
            for d in range(6) for h0, h1 in ((9, 12), (13, 17))])
        resources.append(resource)
    service = Service.objects.create(organization=organization, name="Existing", duration_minutes=45)
    rng = random.Random(3)
    rows, spans = [], []
    taken: set[tuple[int, dt.datetime]] = set()
    while len(rows) < appointments:
        resource = rng.choice(resources)
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
        start = dt.datetime.combine(day, dt.time(rng.choice([9, 10, 11, 13, 14, 15, 16])), HEL)
        if (resource.pk, start) in taken:
            continue
        taken.add((resource.pk, start))
        rows.append(Appointment(organization=organization, service=service, staff=resource, location=location,
                                start=start, end=start + dt.timedelta(minutes=45), channel=Channel.STAFF))
    Appointment.objects.bulk_create(rows, batch_size=1000)
    for a in Appointment.objects.filter(organization=organization):
        spans.append(Occupancy(organization=organization, appointment=a, resource_id=a.staff_id, start=a.start,
                               end=a.end))
    Occupancy.objects.bulk_create(spans, batch_size=1000)
    return resources


def _baseline_read(organization: Organization, ids: list[int]) -> None:
    """Only reading the same working hours and occupancies, without computing anything."""
    list(WorkingHours.objects.filter(organization=organization, resource_id__in=ids).values_list(
        "weekday", "start_time", "end_time"))
    start = dt.datetime.combine(FIRST_DAY, dt.time(), HEL)
    list(Occupancy.objects.filter(organization=organization, resource_id__in=ids, active=True,
                                  start__lt=start + dt.timedelta(days=DAYS + 1), end__gt=start)
         .values_list("resource_id", "start", "end"))


def availability_bench(organization: Organization, resources: list[Resource], rounds: int,
                       alignment: str = StartAlignment.FREE_TIME) -> list[tuple]:
    """free_slots over 30 days for 1, 10 and 50 staff, with starts that follow the free time (each staff
    member's own starts) or on the clock (one grid per shared pattern, struck by busy time)."""
    rows = []
    now = dt.datetime.combine(FIRST_DAY, dt.time(), HEL) - dt.timedelta(days=1)
    for count in (1, 10, 50):
        service = Service.objects.create(organization=organization, name=f"Cut {count} {alignment}",
                                         duration_minutes=60, granularity_minutes=15, max_advance_days=400,
                                         min_notice_minutes=0, start_alignment=alignment)
        service.staff.set(resources[:count])
        ids = [r.pk for r in resources[:count]]
        timed, base = [], []
        for _ in range(rounds):
            t = time.perf_counter()
            slots = free_slots(service, FIRST_DAY, FIRST_DAY + dt.timedelta(days=DAYS - 1), now=now)
            timed.append(time.perf_counter() - t)
            t = time.perf_counter()
            _baseline_read(organization, ids)
            base.append(time.perf_counter() - t)
        assert slots
        p95 = sorted(timed)[int(len(timed) * 0.95) - 1]
        rows.append((count, statistics.median(timed) * 1e3, p95 * 1e3, statistics.median(base) * 1e3, len(slots)))
    return rows


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_bench(organization: Organization, token: str, service: Service, clients: int, attempts: int) -> tuple:
    """`clients` threads book random free-looking times through a real HTTP server; counts 201, 409, overlaps."""
    port = _free_port()
    env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        starts = [dt.datetime.combine(FIRST_DAY + dt.timedelta(days=d), dt.time(h, m), HEL)
                  for d in range(3) for h in range(9, 17) for m in (0, 30)]
        results = {"created": 0, "taken": 0, "other": 0}
        lock = threading.Lock()
        per_client = attempts // clients

        def worker(n: int) -> None:
            rng = random.Random(n)
            for _ in range(per_client):
                body = json.dumps({"service_id": service.pk, "start": rng.choice(starts).isoformat(),
                                   "channel": "staff"}).encode()
                request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/appointments", data=body,
                                                 method="POST", headers={"Authorization": f"Bearer {token}",
                                                                         "Content-Type": "application/json"})
                try:
                    status = urllib.request.urlopen(request, timeout=30).status
                except urllib.error.HTTPError as error:
                    status = error.code
                except (urllib.error.URLError, ConnectionError):
                    status = 0  # the development server dropped the connection: counted as "other"
                key = {201: "created", 409: "taken"}.get(status, "other")
                with lock:
                    results[key] += 1

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
        t = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - t
    finally:
        server.terminate()
        server.wait(timeout=10)
    overlaps = _count_overlaps(organization)
    return clients, results["created"], results["taken"], results["other"], elapsed, overlaps


def _count_overlaps(organization: Organization) -> int:
    spans = sorted(Occupancy.objects.filter(organization=organization, active=True)
                   .values_list("resource_id", "start", "end"))
    return sum(1 for a, b in itertools.pairwise(spans) if a[0] == b[0] and b[1] < a[2])


def booking_benches(make_org, rounds: int) -> None:
    org = make_org("Availability Bench")
    resources = build_staff(org, 50, 5000)
    print(f"\nAvailability over {DAYS} days with 5,000 appointments (target: 50 staff under 100 ms and within 3x "
          f"the baseline read) on {connection.vendor}")
    clock = availability_bench(org, resources, rounds, StartAlignment.CLOCK)
    free_time = availability_bench(org, resources, rounds, StartAlignment.FREE_TIME)
    print(f"{'starts':>10}{'staff':>6}{'median':>12}{'p95':>12}{'baseline':>12}{'ratio':>8}{'vs clock':>10}"
          f"{'slots':>8}")
    for name, rows in (("clock", clock), ("free time", free_time)):
        for (count, median, p95, base, slots), clock_row in zip(rows, clock, strict=True):
            print(f"{name:>10}{count:>6}{median:>10.1f}ms{p95:>10.1f}ms{base:>10.1f}ms{median / base:>8.1f}"
                  f"{median / clock_row[1]:>10.2f}{slots:>8}")

    from api.services import api_token_create
    from kernel.audit import Actor

    print(f"\nConcurrent booking through the HTTP API on {connection.vendor}")
    print(f"{'clients':>8}{'created':>9}{'taken(409)':>12}{'other':>7}{'bookings/s':>12}{'overlaps':>10}")
    for clients in (8, 32):
        http_org = make_org(f"HTTP Bench {clients}")
        owner = Membership.objects.get(organization=http_org, role="owner")
        staff = build_staff(http_org, 2, 0)
        service = Service.objects.create(organization=http_org, name="Cut", duration_minutes=60,
                                         min_notice_minutes=0, max_advance_days=400)
        service.staff.set(staff)
        token = api_token_create(membership=owner, name="bench", actor=Actor.system("bench"))[1]
        c, created, taken, other, elapsed, overlaps = http_bench(http_org, token, service, clients, 320)
        print(f"{c:>8}{created:>9}{taken:>12}{other:>7}{(created + taken) / elapsed:>12.1f}{overlaps:>10}")
