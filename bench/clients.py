"""Customer-register benchmarks: search over 100,000 clients, and a client page with 500 visits."""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import timedelta

from django.test import Client as HttpClient
from django.utils import timezone
from tqdm import tqdm

from clients.models import Client, Visit
from clients.normalise import search_text
from clients.selectors import search_clients
from kernel.registry import registry
from tenancy.models import Membership

FIRST = ["Anna", "Aino", "Eero", "Jukka", "Kaisa", "Laura", "Mikko", "Sanna", "Timo", "Ville", "Zofia", "Piotr"]
LAST = ["Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Hämäläinen", "Laine", "Heikkinen", "Koskinen", "Järvinen",
        "Lehtonen", "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski"]


def _hetu(n: int) -> str:
    from stdnum.fi import hetu

    day, month, year = 1 + n % 28, 1 + (n // 28) % 12, 50 + (n // 336) % 50
    serial = 2 + n % 897
    base = f"{day:02d}{month:02d}{year:02d}-{serial:03d}"
    for check in "0123456789ABCDEFHJKLMNPRSTUVWXY":
        if hetu.is_valid(base + check):
            return base + check
    raise AssertionError("no check character")


def fill(organization, count: int) -> list[tuple[str, str, str]]:
    """Insert `count` clients in bulk; returns (surname, phone, national id) samples to search for."""
    rng = random.Random(7)
    samples = []
    batch = []
    for n in tqdm(range(count), desc="inserting clients", unit="client", file=sys.stderr, leave=False):
        first, last = rng.choice(FIRST), f"{rng.choice(LAST)}{n}"
        phone = f"+35840{n:07d}"
        national_id = _hetu(n)
        batch.append(Client(organization=organization, first_name=first, last_name=last, phone=phone,
                            email=f"c{n}@example.test", national_id=national_id,
                            search_name=search_text(f"{last} {first}"), search_name_alt=search_text(f"{first} {last}")))
        if n % 1000 == 0:
            samples.append((last, phone, national_id))
        if len(batch) == 2000:
            Client.objects.bulk_create(batch)
            batch = []
    Client.objects.bulk_create(batch)
    return samples


def _median_ms(fn, items) -> float:
    times = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def search_bench(organization, samples) -> list[tuple[str, float]]:
    organization.national_id_enabled = True
    organization.save(update_fields=["national_id_enabled"])

    def expect_one(query):
        assert len(list(search_clients(organization, query))) >= 1, query

    return [
        ("search by phone (exact number)", _median_ms(expect_one, [p for _, p, _ in samples])),
        ("search by name prefix", _median_ms(expect_one, [s[:-2].lower() for s, _, _ in samples])),
        ("search by national ID (blind index)", _median_ms(expect_one, [i for _, _, i in samples])),
    ]


def page_bench(organization, rounds: int) -> tuple[float, float]:
    """Median time to open a client page with 500 visits, with and without audit of reads."""
    owner = Membership.objects.get(organization=organization, role="owner")
    client = Client.objects.for_organization(organization).order_by("pk").first()
    now = timezone.now()
    Visit.objects.bulk_create([Visit(organization=organization, client=client, practitioner=owner,
                                     visited_at=now - timedelta(days=i), services="Haircut", products="Shampoo")
                               for i in range(500)])
    http = HttpClient()
    http.force_login(owner.user, backend="django.contrib.auth.backends.ModelBackend")
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(owner.user, generate_totp_secret())
    url = f"/o/{organization.slug}/clients/{client.pk}/"
    registration = registry.get(Client)
    audited, plain = [], []
    for _ in tqdm(range(rounds), desc="client page", unit="pair", file=sys.stderr, leave=False):
        for flag, bucket in ((True, audited), (False, plain)):
            registration.audit_reads = flag
            start = time.perf_counter()
            response = http.get(url)
            bucket.append(time.perf_counter() - start)
            assert response.status_code == 200
    registration.audit_reads = True
    return statistics.median(audited) * 1e3, statistics.median(plain) * 1e3
