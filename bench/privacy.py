"""Privacy-engine benchmarks: export and erasure of a client with 2,000 appointments and 10,000
audit events. The baseline is reading the same rows (what any answer must at least do)."""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from decimal import Decimal

from django.utils import timezone
from tqdm import tqdm

from booking.models import Appointment, Channel, Location, Resource, ResourceKind, Service
from kernel.access_log import access_log_entries
from kernel.audit import Actor, record_many
from kernel.models import AuditAction
from kernel.subjects import client_registrations, rows_of
from privacy.erasure import erase_client
from privacy.exports import build_zip
from tilli.test import UserFactory, add_member, make_client
from tilli.test import legacy_payment as payment_record

APPOINTMENTS = 2000
AUDIT_EVENTS = 10_000
SYSTEM = Actor.system("bench")


def heavy_client(organization, n: int):
    """A long-standing client: 2,000 past appointments, a few receipts, 10,000 access-log events."""
    location = Location.objects.get_or_create(organization=organization, name="Bench",
                                              defaults={"time_zone": organization.time_zone})[0]
    member = add_member(organization, "practitioner", UserFactory())
    staff = Resource.objects.create(organization=organization, kind=ResourceKind.STAFF, name=f"Staff {n}",
                                    membership=member, location=location)
    service = Service.objects.create(organization=organization, name=f"Cut {n}", duration_minutes=45)
    client = make_client(organization, first_name=f"Pitkäaikainen{n}", last_name="Asiakas",
                         email=f"long{n}@example.test", phone="0401234567", city="Tampere")
    start = timezone.now() - dt.timedelta(days=APPOINTMENTS + 10)
    Appointment.objects.bulk_create([
        Appointment(organization=organization, client=client, service=service, staff=staff, location=location,
                    start=start + dt.timedelta(days=i), end=start + dt.timedelta(days=i, minutes=45),
                    channel=Channel.STAFF, state="completed", wishes=f"Visit {i}") for i in range(APPOINTMENTS)],
        batch_size=1000)
    for i in range(5):
        payment_record(organization=organization, client=client, amount=Decimal("40.00"), method="card",
                       actor=SYSTEM, paid_at=timezone.now() - dt.timedelta(days=30 * i))
    record_many(organization=organization, actor=Actor(kind="user", user_id=member.user_id, label="Bench",
                                                       role="practitioner", ip="192.0.2.1"),
                action=AuditAction.VIEW, object_type="clients.client",
                subjects=((client.pk, client.subject_ref) for _ in range(AUDIT_EVENTS)))
    return client


def _read_only(client) -> None:
    for reg in client_registrations():
        list(rows_of(reg, client))
    access_log_entries(client)


def privacy_benches(make_org, rounds: int = 3) -> None:
    organization = make_org("Privacy Bench")
    clients = [heavy_client(organization, n) for n in tqdm(range(rounds), desc="heavy clients", file=sys.stderr,
                                                             leave=False)]
    export_s, read_s, erase_s = [], [], []
    for client in tqdm(clients, desc="export and erase", file=sys.stderr, leave=False):
        t = time.perf_counter()
        _read_only(client)
        read_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        size = len(build_zip(client))
        export_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        erase_client(client=client, actor=SYSTEM)
        erase_s.append(time.perf_counter() - t)
    read, export, erase = (statistics.median(x) for x in (read_s, export_s, erase_s))
    print(f"\nPrivacy engine: a client with {APPOINTMENTS} appointments and {AUDIT_EVENTS} audit events "
          f"({rounds} clients; target: each under 2 s)")
    print(f"{'what':<44}{'median':>12}{'baseline':>12}{'ratio':>8}")
    print(f"{'export (JSON + HTML + PDF, zipped)':<44}{export * 1e3:>10.0f}ms{read * 1e3:>10.0f}ms"
          f"{export / read:>8.2f}   zip {size // 1024} KiB")
    print(f"{'erasure (one transaction, ledger, audit)':<44}{erase * 1e3:>10.0f}ms{read * 1e3:>10.0f}ms"
          f"{erase / read:>8.2f}")
