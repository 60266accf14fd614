"""Booking by a visitor without an account: the one path the booking page and the public API share.

Finds the organization's client by the same email and phone (or creates one, source "online"),
records only the marketing channels the visitor ticked, books, and sends the confirmation
after commit — all or nothing in one transaction. The client then moves or cancels through the
signed manage link, until the service's deadline (`online_move`, `online_cancel`).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.errors import BookingError
from booking.models import Appointment, AppointmentState, Channel, Resource, Service
from booking.services import appointment_book, appointment_move, appointment_transition, cancellation_deadline
from clients.models import Channel as MarketingChannel
from clients.models import Client, ClientKind, ClientSource, ConsentSource
from clients.services import client_create, marketing_consent_set
from clients.validation import clean_client_data
from kernel.audit import Actor
from kernel.models import ActorKind
from tenancy.models import Organization
from tilli.errors import Conflict

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
                ip: str = "", language: str = "", hold_until: datetime | None = None) -> Appointment:
    """Raises ValidationError (per field) for bad details and SlotTaken when the time is gone.

    `language` is the one the visitor booked in; a new client keeps it as theirs, an existing client's own
    choice stays. With `hold_until` the time is held awaiting an online payment (booking.holds). Holds that
    expired unpaid are lapsed first, so a stale hold never blocks a visitor until the periodic job runs."""
    from booking.holds import lapse_expired

    lapse_expired(organization=organization)
    with transaction.atomic():
        client = _find_or_create_client(organization, {name: person.get(name, "") for name in CLIENT_FIELDS},
                                        Actor(kind=ActorKind.CLIENT, ip=ip), language)
        actor = Actor(kind=ActorKind.CLIENT, ip=ip)
        for channel, wanted in ((MarketingChannel.EMAIL, marketing_email), (MarketingChannel.SMS, marketing_sms)):
            if wanted:
                marketing_consent_set(client=client, channel=channel, granted=True, source=ConsentSource.ONLINE,
                                      actor=actor)
        appointment = appointment_book(service=service, start=start, client=client, channel=Channel.ONLINE,
                                       actor=actor, staff=staff, wishes=wishes.strip(), hold_until=hold_until)
    return appointment


CHANGEABLE = (AppointmentState.BOOKED, AppointmentState.CONFIRMED)


def changeable_online(appointment: Appointment, now: datetime | None = None) -> bool:
    """Whether the client may still move or cancel the booking through its manage link."""
    return appointment.state in CHANGEABLE and (now or timezone.now()) < cancellation_deadline(appointment)


def _lock_changeable(appointment: Appointment) -> Appointment:
    """The appointment locked for the change, or Conflict when it can no longer be changed online: the state
    and the deadline are read under the lock, so a change that staff made a moment ago is seen."""
    locked = Appointment.objects.select_for_update().select_related("service").get(pk=appointment.pk)
    if locked.state not in CHANGEABLE:
        raise Conflict(BookingError.WRONG_STATE, _("This booking can no longer be changed."))
    if not changeable_online(locked):
        raise Conflict(BookingError.CHANGE_CLOSED,
                       _("The time for changing this booking online has passed. Please contact us."))
    return locked


@transaction.atomic
def online_cancel(*, appointment: Appointment, actor: Actor) -> Appointment:
    """The client cancels through the manage link, before the service's deadline."""
    return appointment_transition(appointment=_lock_changeable(appointment), to_state=AppointmentState.CANCELLED,
                                  actor=actor)


@transaction.atomic
def online_move(*, appointment: Appointment, start: datetime, actor: Actor) -> Appointment:
    """The client moves the booking to another free time through the manage link, before the deadline;
    raises SlotTaken when the time is not free."""
    return appointment_move(appointment=_lock_changeable(appointment), start=start, actor=actor)
