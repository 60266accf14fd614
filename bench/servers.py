"""Which production server: gunicorn or granian, measured with the same worker count on loopback.

For each server: a trivial authenticated API request (GET /api/v1/me with a bearer token) and bookings
on distinct free times (POST /api/v1/appointments), from the same client threads with keep-alive
connections. The development server runs the same requests as the reference.

    .venv/bin/python bench/servers.py [--workers 3] [--clients 8] [--requests 1500] [--bookings 400]

Runs on a throwaway SQLite file unless DATABASE_URL names a database (e.g. under bin/with-postgres).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import json
import os
import queue
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def production_env(var_dir: Path) -> dict[str, str]:
    env = {
        "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
        "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(60),
        "TILLI_MASTER_KEYS": "k1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "TILLI_ENV_FILE": "/nonexistent", "TILLI_VAR_DIR": str(var_dir),
        "SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0", "LOG_LEVEL": "WARNING",
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{var_dir / 'bench.sqlite3'}"),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend", "MAIL_BACKEND": "console",
    }
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(env: dict[str, str], staff_count: int, starts_needed: int) -> tuple[str, int, list[str]]:
    """Migrate and create an organization with staff, a service and an API token; return token, service, starts."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tilli.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from zoneinfo import ZoneInfo

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from api.services import api_token_create
    from booking.models import Location, Resource, ResourceKind, Service, WorkingHours
    from kernel.audit import Actor
    from tenancy.models import Membership
    from tilli.test import UserFactory, add_member, make_organization

    organization = make_organization(name="Server Bench")
    location = Location.objects.create(organization=organization, name="Bench", time_zone="Europe/Helsinki")
    service = Service.objects.create(organization=organization, name="Cut", duration_minutes=60,
                                     min_notice_minutes=0, max_advance_days=400)
    staff = []
    for n in range(staff_count):
        member = add_member(organization, "practitioner", UserFactory())
        resource = Resource.objects.create(organization=organization, kind=ResourceKind.STAFF, name=f"S{n}",
                                           membership=member, location=location)
        WorkingHours.objects.bulk_create([
            WorkingHours(organization=organization, resource=resource, location=location, weekday=d,
                         start_time=dt.time(8), end_time=dt.time(20)) for d in range(7)])
        staff.append(resource)
    service.staff.set(staff)
    owner = Membership.objects.get(organization=organization, role="owner")
    token = api_token_create(membership=owner, name="bench", actor=Actor.system("bench"))[1]
    hel = ZoneInfo("Europe/Helsinki")
    first = dt.date.today() + dt.timedelta(days=7)
    # Distinct free times: each (day, hour) once per staff member; the API picks a free person.
    starts = [dt.datetime.combine(first + dt.timedelta(days=d), dt.time(h), hel).isoformat()
              for d in range(300) for h in range(8, 20)]
    per_time = staff_count
    slots = [s for s in starts for _ in range(per_time)][:starts_needed]
    return token, service.pk, slots


def start_server(kind: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    """granian through bin/web (what production runs), with 1 or 2 threads per process; gunicorn's sync
    workers (one request at a time each); the development server."""
    bind = f"127.0.0.1:{port}"
    env = {**env, "TILLI_BIND": bind, "WEB_CONCURRENCY": str(workers), "TILLI_VENV": str(VENV_BIN.parent),
           "WEB_THREADS": "2" if kind == "granian-x2" else "1"}
    commands = {
        "gunicorn": [str(VENV_BIN / "gunicorn"), "tilli.wsgi:application", "--workers", str(workers),
                     "--bind", bind, "--log-level", "warning"],
        "granian": ["bin/web"],
        "granian-x2": ["bin/web"],
        "runserver": [sys.executable, "manage.py", "runserver", "--noreload", bind],
    }
    server = subprocess.Popen(commands[kind], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"{kind} did not start on port {port}")


def run_load(port: int, clients: int, jobs: queue.Queue, make_request,
             on_result=None) -> tuple[dict[int, int], list[float], float]:
    """`clients` threads, each on one keep-alive connection, take jobs until none are left;
    `on_result(job, status, seconds)` sees each answer."""
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            try:
                job = jobs.get_nowait()
            except queue.Empty:
                break
            method, path, body, headers = make_request(job)
            t = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                status = 0
            elapsed = time.perf_counter() - t
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                latencies.append(elapsed)
                if on_result is not None:
                    on_result(job, status, elapsed)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, latencies, time.perf_counter() - t


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--bookings", type=int, default=300)
    parser.add_argument("--servers", default="gunicorn,granian,granian-x2,runserver")
    args = parser.parse_args()
    servers = args.servers.split(",")
    with tempfile.TemporaryDirectory() as var_dir:
        env = production_env(Path(var_dir))
        token, service_id, starts = prepare(env, staff_count=10, starts_needed=args.bookings * len(servers))
        auth = {"Authorization": f"Bearer {token}"}
        print(f"\n{args.workers} workers, {args.clients} client threads, on {env['DATABASE_URL'].split(':')[0]}")
        print(f"{'server':<12}{'what':<10}{'ok':>6}{'other':>7}{'per s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
        for n, kind in enumerate(servers):
            port = free_port()
            server = start_server(kind, port, args.workers, env)
            try:
                get_jobs: queue.Queue = queue.Queue()
                for i in range(args.requests):
                    get_jobs.put(i)
                run_load(port, args.clients, _fill(get_jobs, 50), lambda _: ("GET", "/api/v1/me", None, auth))
                get = run_load(port, args.clients, get_jobs, lambda _: ("GET", "/api/v1/me", None, auth))
                book_jobs: queue.Queue = queue.Queue()
                for start in starts[n * args.bookings:(n + 1) * args.bookings]:
                    book_jobs.put(start)
                book = run_load(port, args.clients, book_jobs, lambda start: (
                    "POST", "/api/v1/appointments",
                    json.dumps({"service_id": service_id, "start": start, "channel": "staff"}),
                    {**auth, "Content-Type": "application/json"}))
            finally:
                server.terminate()
                server.wait(timeout=15)
            for what, (statuses, latencies, elapsed), good in (("GET /me", get, 200), ("booking", book, 201)):
                ok = statuses.get(good, 0)
                print(f"{kind:<12}{what:<10}{ok:>6}{sum(statuses.values()) - ok:>7}{ok / elapsed:>9.1f}"
                      f"{percentile(latencies, 0.5):>9.1f}{percentile(latencies, 0.95):>9.1f}"
                      f"{percentile(latencies, 0.99):>9.1f}   {dict(sorted(statuses.items()))}")


def _fill(_: queue.Queue, count: int) -> queue.Queue:
    """A warm-up queue of `count` jobs (imports, first connections), not counted."""
    warm: queue.Queue = queue.Queue()
    for i in range(count):
        warm.put(i)
    return warm


if __name__ == "__main__":
    main()
