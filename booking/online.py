"""Booking by a visitor without an account: the one path the booking page and the public API share.

Finds the organization's client by the same email and phone (or creates one, source "online"),
records only the marketing channels the visitor ticked, books, and sends the confirmation
after commit — all or nothing in one transaction.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from booking.models import Appointment, Channel, Resource, Service
from booking.services import appointment_book
from clients.models import Channel as MarketingChannel
from clients.models import Client, ClientKind, ClientSource, ConsentSource
from clients.services import client_create, marketing_consent_set
from clients.validation import clean_client_data
from kernel.audit import Actor
from kernel.models import ActorKind
from tenancy.models import Organization

CLIENT_FIELDS = ("first_name", "last_name", "email", "phone")


def _find_or_create_client(organization: Organization, values: dict, actor: Actor, language: str) -> Client:
    """The organization's client with this email and phone, or a new one (source: online booking) whose
    language is the one they booked in, so their messages come in it too."""
    cleaned = clean_client_data(organization, values, kind=ClientKind.PERSON)
    existing = (Client.objects.for_organization(organization)
                .filter(email__iexact=cleaned["email"], phone=cleaned["phone"]).order_by("-updated_at", "-pk")
                .first())
    if existing is not None:
        return existing
    return client_create(organization=organization, actor=actor, source=ClientSource.ONLINE,
                         preferred_language=language, **values)


def book_online(*, organization: Organization, service: Service, staff: Resource | None, start: datetime,
                person: dict, wishes: str = "", marketing_email: bool = False, marketing_sms: bool = False,
                ip: str = "", language: str = "") -> Appointment:
    """Raises ValidationError (per field) for bad details and SlotTaken when the time is gone.

    `language` is the one the visitor booked in; a new client keeps it as theirs, an existing client's own
    choice stays."""
    with transaction.atomic():
        client = _find_or_create_client(organization, {name: person.get(name, "") for name in CLIENT_FIELDS},
                                        Actor(kind=ActorKind.CLIENT, ip=ip), language)
        actor = Actor(kind=ActorKind.CLIENT, ip=ip)
        for channel, wanted in ((MarketingChannel.EMAIL, marketing_email), (MarketingChannel.SMS, marketing_sms)):
            if wanted:
                marketing_consent_set(client=client, channel=channel, granted=True, source=ConsentSource.ONLINE,
                                      actor=actor)
        appointment = appointment_book(service=service, start=start, client=client, channel=Channel.ONLINE,
                                       actor=actor, staff=staff, wishes=wishes.strip())
    return appointment
