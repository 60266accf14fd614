"""Load at scale, bounded and on loopback: many organizations with a year of appointments, mixed traffic.

    bin/with-postgres .venv/bin/python bench/load.py [--orgs 100] [--staff 10] [--per-day 2] [--requests 3000]

Builds ORGS organizations x STAFF bookable staff with PER_DAY appointments per working day over a year
(half behind, half ahead), then, against the production server (bin/web) and the development server in
the same run, with the same client threads:
1. a trivial authenticated request (GET /api/v1/me), the baseline;
2. bookings only, each on a distinct free time (POST /api/v1/appointments);
3. mixed traffic: availability 60 % (a week of one service, GET /api/v1/availability), booking 10 %,
   panel pages 30 % (a receptionist's calendar day, signed in with a session);
and prints throughput and p50/p95/p99 per kind, the ratios, and the double bookings found (must be 0).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import queue
import random
import re
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import free_port, percentile, production_env, run_load, start_server

HOURS = range(8, 20)


def build(env: dict[str, str], orgs: int, staff_count: int, per_day: int, panel_orgs: int) -> list[dict]:
    """The organizations, with their tokens, services, staff, and a signed-in-able receptionist for some."""
    import os

    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tilli.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from zoneinfo import ZoneInfo

    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from accounts.models import User
    from api.services import api_token_create
    from booking.models import Appointment, Channel, Location, Occupancy, Resource, ResourceKind, Service, WorkingHours
    from kernel.audit import Actor
    from tenancy.models import Membership
    from tenancy.services import membership_add
    from tilli.test import PASSWORD, make_organization

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG=0 pages need the manifest
    hel = ZoneInfo("Europe/Helsinki")
    today = dt.date.today()
    actor = Actor.system("load")
    rng = random.Random(7)
    password = make_password(PASSWORD)  # one hash for all: creating a thousand accounts stays fast
    result = []
    started = time.monotonic()
    for n in range(orgs):
        organization = make_organization(name=f"Load {n}")
        location = Location.objects.create(organization=organization, name="Main", time_zone="Europe/Helsinki")
        service = Service.objects.create(organization=organization, name="Visit", duration_minutes=60,
                                         min_notice_minutes=0, max_advance_days=400)
        users = User.objects.bulk_create([User(email=f"staff{n}.{i}@load.test", first_name="S", last_name=str(i),
                                               password=password) for i in range(staff_count)])
        resources = []
        for i, user in enumerate(users):
            member = membership_add(organization=organization, user=user, role="practitioner", actor=actor)
            resources.append(Resource(organization=organization, kind=ResourceKind.STAFF, name=f"S{i}",
                                      membership=member, location=location))
        Resource.objects.bulk_create(resources)
        service.staff.set(resources)
        WorkingHours.objects.bulk_create([
            WorkingHours(organization=organization, resource=r, location=location, weekday=d,
                         start_time=dt.time(HOURS.start), end_time=dt.time(HOURS.stop)) for r in resources
            for d in range(6)])
        appointments = []
        for r in resources:
            for offset in range(-182, 183):
                day = today + dt.timedelta(days=offset)
                if day.weekday() == 6:
                    continue
                for hour in rng.sample(list(HOURS), per_day):
                    start = dt.datetime.combine(day, dt.time(hour), hel)
                    appointments.append(Appointment(organization=organization, service=service, staff=r,
                                                    location=location, start=start,
                                                    end=start + dt.timedelta(minutes=60), channel=Channel.STAFF))
        Appointment.objects.bulk_create(appointments, batch_size=5000)
        Occupancy.objects.bulk_create([Occupancy(organization=organization, appointment=a, resource_id=a.staff_id,
                                                 start=a.start, end=a.end) for a in appointments], batch_size=5000)
        owner = Membership.objects.get(organization=organization, role="owner")
        token = api_token_create(membership=owner, name="load", actor=actor)[1]
        entry = {"slug": organization.slug, "token": token, "service": service.pk,
                 "staff": [r.pk for r in resources], "reception": None}
        if n < panel_orgs:
            reception = User.objects.create(email=f"reception{n}@load.test", first_name="R", last_name=str(n),
                                            password=password)
            membership_add(organization=organization, user=reception, role="reception", actor=actor)
            entry["reception"] = reception.email
        result.append(entry)
        print(f"\r  built {n + 1}/{orgs} organizations ({time.monotonic() - started:.0f} s)", end="", file=sys.stderr)
    print(file=sys.stderr)
    return result


def sign_in(port: int, email: str) -> str:
    """A receptionist's session cookie (password only: reception needs no second factor)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    response.read()
    cookies = dict(re.findall(r"(csrftoken)=([^;]+)", ", ".join(response.headers.get_all("Set-Cookie") or [])))
    body = urlencode({"csrfmiddlewaretoken": cookies["csrftoken"], "login": email, "password": "correct-horse-"
                      "battery-staple-9"})
    conn.request("POST", "/accounts/login/", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookies['csrftoken']}",
        "Referer": f"http://127.0.0.1:{port}/accounts/login/"})
    response = conn.getresponse()
    response.read()
    session = re.search(r"sessionid=([^;]+)", ", ".join(response.headers.get_all("Set-Cookie") or []))
    conn.close()
    if response.status != 302 or not session:
        raise RuntimeError(f"sign-in of {email} failed: HTTP {response.status}")
    return session.group(1)


class Starts:
    """Distinct free times: beyond the year of appointments, one (staff, hour) each, never reused."""

    def __init__(self, organizations: list[dict]):
        first = dt.date.today() + dt.timedelta(days=190)
        days = [first + dt.timedelta(days=d) for d in range(200) if (first + dt.timedelta(days=d)).weekday() != 6]
        self.next = {o["slug"]: iter([(s, dt.datetime.combine(day, dt.time(h), dt.UTC).isoformat())
                                      for day in days for h in range(7, 16) for s in o["staff"]])
                     for o in organizations}
        self.lock = threading.Lock()

    def take(self, slug: str) -> tuple[int, str]:
        with self.lock:
            return next(self.next[slug])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100)
    parser.add_argument("--staff", type=int, default=10)
    parser.add_argument("--per-day", type=int, default=2)
    parser.add_argument("--panel-orgs", type=int, default=10)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=3000, help="mixed requests per server")
    parser.add_argument("--servers", default="granian-x2,runserver")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var_dir:
        env = production_env(Path(var_dir))
        env["PUBLIC_WRITES_PER_IP"] = "1000000"
        env["TILLI_STATIC_ROOT"] = str(Path(var_dir) / "static")
        t = time.monotonic()
        organizations = build(env, args.orgs, args.staff, args.per_day, args.panel_orgs)
        from booking.models import Appointment, Occupancy

        print(f"\n{args.orgs} organizations x {args.staff} staff, {Appointment.objects.count():,} appointments "
              f"over a year, built in {time.monotonic() - t:.0f} s, on {env['DATABASE_URL'].split(':')[0]}; "
              f"{args.workers} server processes, {args.clients} client threads")
        _explain(organizations[0])
        starts = Starts(organizations)
        rng = random.Random(11)
        today = dt.date.today()
        summary = {}
        print(f"{'server':<12}{'phase':<8}{'kind':<14}{'ok':>6}{'other':>7}{'per s':>9}{'p50 ms':>9}{'p95 ms':>9}"
              f"{'p99 ms':>9}")
        for kind in args.servers.split(","):
            port = free_port()
            server = start_server(kind, port, args.workers, env)
            try:
                sessions = {o["slug"]: sign_in(port, o["reception"]) for o in organizations if o["reception"]}

                def request(job, sessions=sessions):
                    what, org = job
                    auth = {"Authorization": f"Bearer {org['token']}"}
                    if what == "me":
                        return "GET", "/api/v1/me", None, auth
                    if what == "availability":
                        first = today + dt.timedelta(days=rng.randrange(1, 150))
                        query = urlencode({"service": org["service"], "start": first.isoformat(),
                                           "end": (first + dt.timedelta(days=6)).isoformat()})
                        return "GET", f"/api/v1/availability?{query}", None, auth
                    if what == "booking":
                        staff, start = starts.take(org["slug"])
                        body = json.dumps({"service_id": org["service"], "staff_id": staff, "start": start,
                                           "channel": "staff"})
                        return "POST", "/api/v1/appointments", body, {**auth, "Content-Type": "application/json"}
                    day = (today + dt.timedelta(days=rng.randrange(-30, 30))).isoformat()
                    return "GET", f"/o/{org['slug']}/calendar/?day={day}", None, {
                        "Cookie": f"sessionid={sessions[org['slug']]}"}

                panel = [o for o in organizations if o["reception"]]
                phases = {
                    "me": [("me", rng.choice(organizations)) for _ in range(args.requests // 2)],
                    "book": [("booking", rng.choice(organizations)) for _ in range(args.requests // 6)],
                    "mixed": [(w, rng.choice(panel if w == "panel" else organizations)) for w in rng.choices(
                        ["availability", "booking", "panel"], weights=[60, 10, 30], k=args.requests)],
                }
                # Warm-up, not counted: every process imports, connects and fills its caches first.
                run_kinds(port, args.clients, [(w, rng.choice(panel if w == "panel" else organizations))
                                               for w in ["me", "availability", "panel", "booking"] * 30], request)
                for phase, jobs in phases.items():
                    results = run_kinds(port, args.clients, jobs, request)
                    for what, (ok, other, per_s, lat) in results.items():
                        summary[(kind, phase, what)] = per_s, percentile(lat, 0.95)
                        print(f"{kind:<12}{phase:<8}{what:<14}{ok:>6}{other:>7}{per_s:>9.1f}"
                              f"{percentile(lat, 0.5):>9.1f}{percentile(lat, 0.95):>9.1f}{percentile(lat, 0.99):>9.1f}")
            finally:
                server.terminate()
                server.wait(timeout=20)
        overlaps = _overlaps(Occupancy)
        print(f"\ndouble bookings: {overlaps}")
        for kind in args.servers.split(","):
            me = summary.get((kind, "me", "me"), (0, 0))[0]
            book = summary.get((kind, "book", "booking"), (0, 0))[0]
            avail_p95 = summary.get((kind, "mixed", "availability"), (0, 0))[1]
            print(f"{kind}: bookings/s {book:.1f} vs trivial GET/s {me:.1f}: ratio {book / me if me else 0:.2f} "
                  f"(target >= 0.5); availability p95 in mixed traffic {avail_p95:.0f} ms (target < 100)")
        base, dev = args.servers.split(",")[0], args.servers.split(",")[-1]
        if base != dev:
            for phase, what in (("me", "me"), ("book", "booking"), ("mixed", "availability"), ("mixed", "booking"),
                                ("mixed", "panel")):
                a, b = summary.get((base, phase, what), (0, 0))[0], summary.get((dev, phase, what), (0, 0))[0]
                print(f"{phase}/{what}: {base} {a:.1f}/s, {dev} {b:.1f}/s, ratio {a / b if b else 0:.2f}")


def run_kinds(port: int, clients: int, jobs: list, make_request) -> dict[str, tuple]:
    """Run the jobs; per kind: successes, others, successes per second of the whole phase, latencies."""
    by_kind: dict[str, list] = {}
    statuses: dict[str, dict[int, int]] = {}
    q: queue.Queue = queue.Queue()
    for job in jobs:
        q.put(job)

    def request(job):
        return make_request(job)

    def recorder(job, status, latency):
        by_kind.setdefault(job[0], []).append(latency)
        statuses.setdefault(job[0], {}).setdefault(status, 0)
        statuses[job[0]][status] += 1

    _, _, elapsed = run_load(port, clients, q, request, on_result=recorder)
    good = {"me": 200, "availability": 200, "panel": 200, "booking": 201}
    return {what: (statuses[what].get(good[what], 0), sum(statuses[what].values()) - statuses[what].get(good[what], 0),
                   statuses[what].get(good[what], 0) / elapsed, lat) for what, lat in by_kind.items()}


def _explain(organization: dict) -> None:
    """The plan of availability's busy-time query for a week of ten staff, on the data just built: an index
    range on (organization, resource, start) bounded on both sides (booking.models.overlapping)."""
    from booking.selectors import occupying
    from tenancy.models import Organization

    lo = dt.datetime.combine(dt.date.today() + dt.timedelta(days=60), dt.time(0), dt.UTC)
    query = occupying(Organization.objects.get(slug=organization["slug"]), organization["staff"], lo,
                      lo + dt.timedelta(days=9)).values_list("resource_id", "start", "end")
    print("EXPLAIN ANALYZE of availability's busy-time query (a week of 10 staff):")
    print("\n".join(f"  {line}" for line in query.explain(analyze=True).splitlines()))


def _overlaps(occupancy_model) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"""SELECT count(*) FROM {occupancy_model._meta.db_table} a
                           JOIN {occupancy_model._meta.db_table} b ON a.resource_id = b.resource_id
                           AND a.id < b.id AND a.start < b."end" AND b.start < a."end"
                           WHERE a.active AND b.active AND a.start >= %s""",
                       [dt.datetime.now(dt.UTC) + dt.timedelta(days=185)])
        return cursor.fetchone()[0]


if __name__ == "__main__":
    main()
