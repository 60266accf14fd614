"""Care assignments: the owner's explicit decision that a practitioner treats a client.

Appointments make a practitioner a treating one on their own (see `clients.permissions`); an
assignment covers care without one (a colleague covering, a long course of treatment). Granting
and revoking are owner actions, each one audited under the client's pseudonymous reference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import CareAssignment, Client
from clients.permissions import CareBasis, appointment_care, appointment_care_since, local_today
from clients.services import ensure_not_restricted
from kernel.audit import Actor, record
from kernel.models import AuditAction
from tenancy.models import Membership
from tenancy.roles import Role


def _audit(assignment: CareAssignment, client: Client, actor: Actor, action: str, fields: list[str],
           **detail: int) -> None:
    record(organization=client.organization, actor=actor, action=action, obj=assignment,
           subject_ref=client.subject_ref, changed_fields=fields,
           detail={"practitioner_membership": assignment.practitioner_id, **detail})


@transaction.atomic
def care_assignment_grant(*, client: Client, practitioner: Membership, actor: Actor,
                          ends_on: dt.date | None = None) -> CareAssignment:
    """Let `practitioner` treat `client` until `ends_on` (inclusive, the organization's date) or until revoked.

    A second grant for the same pair replaces the first (e.g. to change its end day).
    """
    organization = client.organization
    ensure_not_restricted(client)
    if (practitioner.organization_id != organization.pk or not practitioner.is_active
            or practitioner.role != Role.PRACTITIONER):
        raise ValidationError({"practitioner": [_("Choose an active practitioner of this organization.")]})
    if ends_on is not None and ends_on < local_today(organization):
        raise ValidationError({"ends_on": [_("Choose a day from today on, or leave it empty.")]})
    # Grants for one client are serialized on the client's row, so two at once cannot both insert.
    Client.objects.select_for_update().filter(pk=client.pk).first()
    now = timezone.now()
    replaced = (CareAssignment.objects.for_organization(organization)
                .filter(client=client, practitioner=practitioner, revoked_at=None)
                .update(revoked_at=now, revoked_by_user_id=actor.user_id))
    assignment = CareAssignment.objects.create(organization=organization, client=client, practitioner=practitioner,
                                               ends_on=ends_on, granted_by_user_id=actor.user_id)
    _audit(assignment, client, actor, AuditAction.GRANT, ["practitioner", "ends_on"] if ends_on else ["practitioner"],
           **({"replaced": replaced} if replaced else {}))
    return assignment


@transaction.atomic
def care_assignment_revoke(*, assignment: CareAssignment, actor: Actor) -> bool:
    """End an assignment now; False if it was already revoked."""
    revoked = CareAssignment.objects.filter(pk=assignment.pk, revoked_at=None).update(
        revoked_at=timezone.now(), revoked_by_user_id=actor.user_id)
    if revoked:
        assignment.refresh_from_db()
        _audit(assignment, assignment.client, actor, AuditAction.REVOKE, ["revoked_at"])
    return bool(revoked)


@dataclass(frozen=True)
class CareMember:
    """One reason one practitioner treats the client now, and the last day it lasts (None: until revoked)."""

    membership: Membership
    basis: CareBasis
    until: dt.date | None
    assignment: CareAssignment | None = None


def care_team(client: Client, *, now: dt.datetime | None = None) -> list[CareMember]:
    """The practitioners who treat the client now, through an appointment or an assignment (two queries)."""
    now = now or timezone.now()
    organization = client.organization
    window = dt.timedelta(days=settings.CARE_AFTER_APPOINTMENT_DAYS)
    last_end = appointment_care().practitioners_last_end(client, since=appointment_care_since(now))
    assignments = list(CareAssignment.objects.for_organization(organization).in_force(local_today(organization, now))
                       .filter(client=client, practitioner__is_active=True, practitioner__role=Role.PRACTITIONER)
                       .select_related("practitioner__user").order_by("granted_at"))
    members = {m.pk: m for m in Membership.objects.filter(pk__in=last_end).select_related("user")}
    team = [CareMember(members[pk], CareBasis.APPOINTMENT, local_today(organization, end + window))
            for pk, end in last_end.items()]
    team += [CareMember(a.practitioner, CareBasis.ASSIGNMENT, a.ends_on, a) for a in assignments]
    return sorted(team, key=lambda m: (str(m.membership.user), m.basis))
