"""Test base: factories and a world of two organizations with an owner, a practitioner,
reception, an accountant, and an outsider who belongs to the other organization.

Use the `world` fixture (see conftest.py) or build what a test needs with the factories.
"""

from __future__ import annotations

import secrets
import socket
from contextlib import contextmanager
from dataclasses import dataclass

import factory
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client

from accounts.models import User
from kernel.audit import Actor
from tenancy.models import Membership, Organization
from tenancy.roles import Role
from tenancy.services import membership_add, organization_create

PASSWORD = "correct-horse-battery-staple-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    first_name = factory.Faker("first_name", locale="fi_FI")
    last_name = factory.Faker("last_name", locale="fi_FI")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


_org_counter = iter(range(1, 10**6))


def make_organization(*, name: str | None = None, country: str = "FI", owner: User | None = None) -> Organization:
    n = next(_org_counter)
    owner = owner or UserFactory()
    business_id = "2345678-0" if country == "FI" else "5261045122"
    return organization_create(
        name=name or f"Salon {n}", country=country, business_id=business_id,
        default_language="fi" if country == "FI" else "pl",
        time_zone="Europe/Helsinki" if country == "FI" else "Europe/Warsaw",
        owner=owner, actor=Actor.system("test"),
    )


def add_member(organization: Organization, role: str, user: User | None = None) -> Membership:
    return membership_add(organization=organization, user=user or UserFactory(), role=role,
                          actor=Actor.system("test"))


def enable_totp(user: User) -> str:
    """Turn on two-factor sign-in for the user; returns the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str, offset: int = 0) -> str:
    """The current code for a secret (offset in periods, for a second code in the same test).

    Never in the last two seconds of a period, so the code is still current when the
    request that carries it arrives (allauth accepts no earlier period by default).
    """
    import time

    from allauth.mfa import app_settings

    left = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
    if left < 2:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD + offset))


def operator_client(user: User | None = None) -> Client:
    """A test client in the operator admin: a superuser with TOTP who entered a code in this session."""
    from django.urls import reverse

    user = user or UserFactory(is_staff=True, is_superuser=True)
    secret = enable_totp(user)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("mfa_reauthenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302, response.status_code
    return client


def has_totp(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


@dataclass
class World:
    org: Organization
    owner: Membership
    practitioner: Membership
    reception: Membership
    accountant: Membership
    other_org: Organization
    outsider: Membership  # the owner of the other organization
    owner_totp: str

    def member(self, role: str) -> Membership:
        return getattr(self, role)


def build_world() -> World:
    org = make_organization(name="Salon Aurora")
    owner = Membership.objects.get(organization=org, role=Role.OWNER)
    other = make_organization(name="Klinika Wisła", country="PL")
    outsider = Membership.objects.get(organization=other, role=Role.OWNER)
    secret = enable_totp(owner.user)
    enable_totp(outsider.user)
    return World(
        org=org, owner=owner,
        practitioner=add_member(org, Role.PRACTITIONER),
        reception=add_member(org, Role.RECEPTION),
        accountant=add_member(org, Role.ACCOUNTANT),
        other_org=other, outsider=outsider, owner_totp=secret,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_client(organization: Organization, **data):
    from clients.services import client_create

    data.setdefault("first_name", "Anna")
    data.setdefault("last_name", "Virtanen")
    return client_create(organization=organization, actor=Actor.system("test"), **data)


# Valid test identity numbers (checksums correct, not real people).
HETU = "131052-308T"
PESEL = "44051401359"


def make_bookable(organization: Organization, membership: Membership, *, duration: int = 60, weekdays=range(7),
                  hours=((9, 17),), buffer_after: int = 0, granularity: int = 15, **service_fields):
    """A location, the member as a bookable staff resource working `hours` on `weekdays`, and a service."""
    import datetime as dt

    from booking.models import Location, Resource, ResourceKind, Service, WorkingHours

    location, _ = Location.objects.get_or_create(organization=organization, name="Main",
                                                 defaults={"time_zone": organization.time_zone})
    resource, created = Resource.objects.get_or_create(
        organization=organization, membership=membership,
        defaults={"kind": ResourceKind.STAFF, "name": str(membership.user), "location": location})
    if created:
        for weekday in weekdays:
            for start, end in hours:
                WorkingHours.objects.create(organization=organization, resource=resource, location=location,
                                            weekday=weekday, start_time=dt.time(start), end_time=dt.time(end))
    service_fields.setdefault("min_notice_minutes", 0)
    service = Service.objects.create(organization=organization, name=f"Service {duration}", duration_minutes=duration,
                                     buffer_after_minutes=buffer_after, granularity_minutes=granularity,
                                     **service_fields)
    service.staff.add(resource)
    return location, resource, service


def book_appointment(organization: Organization, practitioner: Membership, client, *, days_ahead: int = 1):
    """A staff booking of `client` with `practitioner` (made bookable), the first free time `days_ahead` from today."""
    import datetime as dt

    from django.utils import timezone

    from booking.selectors import free_slots
    from booking.services import appointment_book

    _, resource, service = make_bookable(organization, practitioner)
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    start = free_slots(service, day, day + dt.timedelta(days=7), staff=resource)[0].start
    return appointment_book(service=service, start=start, client=client, channel="staff", actor=Actor.system("test"),
                            staff=resource)


@dataclass
class FullClient:
    """A client with a row in every table that leads to a client, and the values to search for."""

    client: object
    name: str
    email: str
    phone: str
    national_id: str
    note: str


def make_full_client(organization: Organization, practitioner: Membership, *, first_name: str = "Ilmatar",
                     last_name: str = "Kivikangas") -> FullClient:
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from booking.services import appointment_book
    from clients.models import ClientSignIn, PortalLoginToken, RecordKind
    from clients.services import marketing_consent_set, record_create, special_approval_set, visit_create
    from privacy.requests import request_create

    actor = Actor.system("test")
    if not organization.national_id_enabled:
        organization.national_id_enabled = True
        organization.save(update_fields=["national_id_enabled"])
    national_id = HETU if organization.country == "FI" else PESEL
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", f"{first_name}.{last_name}").encode("ascii", "ignore").decode()
    email = f"{ascii_name}@example.test".lower()
    phone = "+358407654321" if organization.country == "FI" else "+48601234567"
    client = make_client(organization, first_name=first_name, last_name=last_name, email=email, phone=phone,
                         national_id=national_id, street_address="Kuusitie 7", city="Tampere",
                         billing_name=f"{first_name} {last_name}")
    marketing_consent_set(client=client, channel="email", granted=True, source="staff", actor=actor)
    special_approval_set(client=client, granted=True, source="staff", actor=actor)
    visit_create(client=client, actor=actor, practitioner=practitioner,
                 visited_at=timezone.now() - dt.timedelta(days=30), services="Cut",
                 wishes=f"{first_name} wants it short")
    from booking.selectors import free_slots

    _, resource, service = make_bookable(organization, practitioner)
    today = timezone.localdate()
    start = free_slots(service, today + dt.timedelta(days=1), today + dt.timedelta(days=14), staff=resource)[0].start
    appointment = appointment_book(service=service, start=start, client=client, channel="staff", actor=actor,
                                   wishes=f"Call {first_name} first")
    from clients.care import care_assignment_grant

    if practitioner.role == Role.PRACTITIONER:  # an owner treats every client anyway
        care_assignment_grant(client=client, practitioner=practitioner, actor=actor)
    note = f"{first_name} reacts to latex"  # by the practitioner the appointment makes a treating one
    record_create(client=client, kind=RecordKind.TREATMENT_NOTE, body=note, author=practitioner, actor=actor)
    legacy_payment(organization=organization, client=client, amount=Decimal("45.00"), method="card", actor=actor,
                   description="Cut", appointment=appointment)
    from billing.sales import LineInput, TenderInput, sale_complete

    sale_complete(organization=organization, location=appointment.location, client=client, actor=actor,
                  lines=[LineInput(kind="free", description="Hair oil", unit_price=Decimal("19.90"),
                                   vat_percent=Decimal("25.5") if organization.country == "FI" else Decimal("23"))],
                  tenders=[TenderInput(method="card", amount=Decimal("19.90"))])
    ClientSignIn.objects.create(organization=organization, client=client, ip="198.51.100.7", method="link",
                                user_agent="Firefox")
    PortalLoginToken.objects.create(organization=organization, client=client, token_hash=secrets.token_hex(32),
                                    expires_at=timezone.now() + dt.timedelta(minutes=30))
    request_create(organization=organization, kind="access", channel="email", actor=actor, client=client,
                   details=f"{first_name} asks for a copy")
    from notify.models import Message, MessageStatus

    Message.objects.create(organization=organization, client=client, appointment=appointment, purpose="reminder",
                           kind="reminder", channel="sms", recipient=phone, language="fi",
                           body=f"Muistutus {first_name}: huomenna klo 10", status=MessageStatus.SENT,
                           sent_at=timezone.now(), next_attempt_at=timezone.now(),
                           dedupe_key=f"test:{client.pk}")
    client.refresh_from_db()
    return FullClient(client=client, name=last_name, email=email, phone=phone, national_id=national_id, note=note)


def run_worker() -> None:
    """Run the task worker once over everything queued (what `manage.py db_worker` does in production).

    Inside a test's transaction (a plain `db` test) the worker shares the test's connection, so its
    habit of closing an idle connection between tasks is turned off; a `transaction=True` test runs it
    exactly as production does.
    """
    from unittest import mock

    from django.core.management import call_command
    from django.db import connection

    if connection.in_atomic_block:
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    else:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


@contextmanager
def worker_after():
    """Run the block, then the task worker over what it queued: the events and messages a change leaves
    are handled as production's worker handles them after the commit, never in the change itself."""
    yield
    run_worker()


def with_proof(organization: Organization) -> dict[str, str]:
    """A solved proof-of-work challenge for one public booking (as the booking page's script finds it)."""
    from django.conf import settings

    from tenancy.public_writes import booking_challenge
    from tilli.lib.proof_of_work import solve

    challenge = booking_challenge(organization)
    return {"challenge": challenge, "proof": solve(challenge, settings.PUBLIC_WRITES_PROOF_BITS)}


def legacy_payment(*, organization: Organization, client, amount, method: str, actor=None, description: str = "",
                   vat_rate=None, currency: str = "", paid_at=None, appointment=None):
    """A payment as recorded by hand before the counter existed: the history tests and benchmarks start
    from (new money goes through billing.sales only). Its number continues the organization's receipt
    counter, as the migration that introduced the counter arranged."""
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from billing.models import DocumentSeries, Payment
    from billing.numbering import next_number
    from tilli.lib.addresses import address_of

    with transaction.atomic():
        return Payment.objects.create(
            organization=organization, client=client, appointment=appointment,
            receipt_number=next_number(organization, DocumentSeries.RECEIPT), paid_at=paid_at or timezone.now(),
            amount=amount, method=method, description=description, vat_rate=vat_rate or Decimal("0"),
            currency=currency or ("PLN" if organization.country == "PL" else "EUR"),
            payer_name=client.billing_name or client.display_name, payer_business_id=client.business_id,
            payer_address=client.billing_address or "\n".join(address_of(client, country=organization.country)))
