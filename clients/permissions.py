"""Who treats whom, and so who may read and write a client's special-category entries.

The owner always. A practitioner only while they treat the client, decided by facts that
someone other than the practitioner can see and check:

- an appointment of the client with them that is booked, confirmed or completed (not cancelled,
  not a no-show), from the moment it is booked until `CARE_AFTER_APPOINTMENT_DAYS` (180 by
  default) after it ends. Half a year covers test results, follow-up calls and a course of
  treatment with pauses, yet one visit long ago opens nothing; a client who comes back books
  again, and the owner can grant longer care explicitly;
- a care assignment the owner granted (`clients.care`), until its end day or until revoked.

A visit a member recorded, an entry they wrote, or a visit reception put their name on creates
nothing: those are statements members make themselves, so they cannot open the records.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from clients.models import CareAssignment, Client
from tenancy.models import Membership, Organization
from tenancy.roles import Perm, Role


class CareBasis(StrEnum):
    """Why a member may read a client's entries; written into each audited view of them."""

    OWNER = "owner"
    APPOINTMENT = "appointment"
    ASSIGNMENT = "assignment"


class NotTreating(PermissionDenied):
    """The member does not treat the client: they may neither read nor write the client's entries."""


def local_today(organization: Organization, now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or timezone.now(), timezone=ZoneInfo(organization.time_zone)).date()


class AppointmentCare(Protocol):
    """What the booking app tells the register about a client's appointments. `clients` stands below
    `booking` (docs/architecture.md, "Layers"), so it asks through this hook, which booking fills at start-up
    (`booking.apps`), instead of importing booking's models. Only booked, confirmed or completed appointments
    ending after `since` count; `practitioners_last_end` counts active practitioners only."""

    def treats(self, membership: Membership, client: Client, *, since: dt.datetime) -> bool: ...

    def practitioners_last_end(self, client: Client, *, since: dt.datetime) -> dict[int, dt.datetime]: ...


class _NoAppointments:
    """Until booking registers itself: appointments make no one treating."""

    def treats(self, membership: Membership, client: Client, *, since: dt.datetime) -> bool:
        return False

    def practitioners_last_end(self, client: Client, *, since: dt.datetime) -> dict[int, dt.datetime]:
        return {}


_appointment_care: list[AppointmentCare] = [_NoAppointments()]


def register_appointment_care(provider: AppointmentCare) -> None:
    _appointment_care[0] = provider


def appointment_care() -> AppointmentCare:
    return _appointment_care[0]


def appointment_care_since(now: dt.datetime) -> dt.datetime:
    """Appointments ending after this moment still make their practitioner a treating one."""
    return now - dt.timedelta(days=settings.CARE_AFTER_APPOINTMENT_DAYS)


def care_basis(membership: Membership, client: Client, *, now: dt.datetime | None = None) -> CareBasis | None:
    """The reason `membership` treats `client`, or None when they do not (see the module's docstring)."""
    if (membership.organization_id != client.organization_id or not membership.is_active
            or not membership.has_perm(Perm.VIEW_SPECIAL_RECORDS)):
        return None
    if membership.role == Role.OWNER:
        return CareBasis.OWNER
    now = now or timezone.now()
    organization = client.organization
    if appointment_care().treats(membership, client, since=appointment_care_since(now)):
        return CareBasis.APPOINTMENT
    if CareAssignment.objects.for_organization(organization).in_force(local_today(organization, now)).filter(
            client=client, practitioner=membership).exists():
        return CareBasis.ASSIGNMENT
    return None


def can_see_records(membership: Membership, client: Client) -> bool:
    return care_basis(membership, client) is not None


def can_write_records(membership: Membership, client: Client) -> bool:
    """Writing an entry (or the client's approval for entries) needs the same relationship as reading."""
    return membership.has_perm(Perm.WRITE_SPECIAL_RECORDS) and can_see_records(membership, client)


def ensure_can_write_records(membership: Membership, client: Client) -> None:
    if not can_write_records(membership, client):
        raise NotTreating
