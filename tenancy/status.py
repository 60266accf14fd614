"""Whether an organization is served, and the operator's support access to it.

Only an active organization is served: its panel, client portal, public booking page and API refuse
while the operator has suspended it or its contract has ended (`OrganizationUnavailable`, a 409 with a
translated page or JSON answer), and its reminders and campaigns are not sent. Nothing is deleted by a
suspension; reactivating serves everything again.

A support access lets one of the operator's staff open the organization's panel, read only, for at most
SUPPORT_ACCESS_MAX_HOURS; it is written to the organization's audit log (the owner's access log) and to
the operator log, shown on the owner's dashboard, and the owner may end it at once.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from console.log import record_operator
from console.models import OperatorAction
from kernel.audit import Actor, record
from kernel.models import AuditAction
from tenancy.errors import TenancyError
from tenancy.models import Membership, Organization, OrganizationStatus, SupportAccess
from tenancy.roles import SUPPORT_ROLE
from tilli.errors import Conflict, Invalid


class OrganizationUnavailable(Conflict):
    """The organization is not served now: suspended by the operator, or its contract has ended."""

    def __init__(self, organization: Organization) -> None:
        if organization.status == OrganizationStatus.CONTRACT_ENDED:
            super().__init__(TenancyError.CONTRACT_ENDED,
                             _("%(name)s no longer uses Tilli. Please contact the business directly.")
                             % {"name": organization.name})
        else:
            super().__init__(TenancyError.ORGANIZATION_SUSPENDED,
                             _("%(name)s's Tilli service is suspended for now. Nothing has been lost; please "
                               "contact the business directly.") % {"name": organization.name})
        self.organization_name = organization.name

    def __reduce__(self):
        return Conflict, (self.code, self.message)


def ensure_open(organization: Organization) -> Organization:
    """The organization if it is served; else `OrganizationUnavailable`."""
    if organization.status != OrganizationStatus.ACTIVE:
        raise OrganizationUnavailable(organization)
    return organization


def stated_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise Invalid(TenancyError.REASON_REQUIRED, _("State the reason."))
    return reason


def _set_status(organization: Organization, status: str, reason: str) -> None:
    organization.status, organization.status_reason = status, reason
    organization.status_changed_at = timezone.now()
    organization.save(update_fields=["status", "status_reason", "status_changed_at"])


@transaction.atomic
def organization_suspend(*, organization: Organization, reason: str, actor: Actor) -> Organization:
    """Stop serving the organization (e.g. unpaid invoices, abuse); nothing is deleted."""
    reason = stated_reason(reason)
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if locked.status != OrganizationStatus.ACTIVE:
        raise Conflict(TenancyError.NOT_ACTIVE, _("Only an active organization can be suspended."))
    _set_status(locked, OrganizationStatus.SUSPENDED, reason)
    record(organization=locked, actor=actor, action=AuditAction.UPDATE, obj=locked, changed_fields=["status"],
           detail={"status": OrganizationStatus.SUSPENDED})
    record_operator(actor=actor, action=OperatorAction.SUSPEND, organization=locked, reason=reason)
    return locked


@transaction.atomic
def organization_reactivate(*, organization: Organization, reason: str, actor: Actor) -> Organization:
    reason = stated_reason(reason)
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if locked.status != OrganizationStatus.SUSPENDED:
        raise Conflict(TenancyError.NOT_SUSPENDED, _("Only a suspended organization can be reactivated."))
    _set_status(locked, OrganizationStatus.ACTIVE, reason)
    record(organization=locked, actor=actor, action=AuditAction.UPDATE, obj=locked, changed_fields=["status"],
           detail={"status": OrganizationStatus.ACTIVE})
    record_operator(actor=actor, action=OperatorAction.REACTIVATE, organization=locked, reason=reason)
    return locked


# --- support access ---------------------------------------------------------------------------------------

@transaction.atomic
def support_access_grant(*, organization: Organization, operator, hours: int, reason: str,
                         actor: Actor) -> SupportAccess:
    """Open a read-only window for `operator` (a staff account of the operator) from now."""
    reason = stated_reason(reason)
    if not 1 <= hours <= settings.SUPPORT_ACCESS_MAX_HOURS:
        raise Invalid(TenancyError.SUPPORT_TOO_LONG, _("A support access lasts from 1 to %(max)d hours.")
                      % {"max": settings.SUPPORT_ACCESS_MAX_HOURS})
    now = timezone.now()
    access = SupportAccess(organization=organization, operator=operator, reason=reason, starts_at=now,
                           ends_at=now + timedelta(hours=hours))
    access.full_clean()
    access.save()
    record(organization=organization, actor=actor, action=AuditAction.GRANT, obj=access,
           detail={"role": SUPPORT_ROLE, "hours": hours, "reason": reason})
    record_operator(actor=actor, action=OperatorAction.GRANT_SUPPORT, organization=organization, reason=reason,
                    detail={"hours": hours, "access": access.pk})
    return access


@transaction.atomic
def support_access_end(*, access: SupportAccess, actor: Actor) -> SupportAccess:
    """End the window now (the owner, or the operator's staff member when done); ending twice does nothing."""
    locked = SupportAccess.objects.select_for_update().select_related("organization").get(pk=access.pk)
    now = timezone.now()
    if locked.ended_at is not None or locked.ends_at <= now:
        return locked
    locked.ended_at, locked.ended_by_label = now, actor.label[:200]
    locked.save(update_fields=["ended_at", "ended_by_label"])
    record(organization=locked.organization, actor=actor, action=AuditAction.REVOKE, obj=locked,
           detail={"role": SUPPORT_ROLE})
    record_operator(actor=actor, action=OperatorAction.END_SUPPORT, organization=locked.organization,
                    detail={"access": locked.pk})
    return locked


def open_support_accesses(organization: Organization):
    """The support accesses open now, for the owner's dashboard."""
    now = timezone.now()
    return (SupportAccess.objects.for_organization(organization)
            .filter(ended_at=None, starts_at__lte=now, ends_at__gt=now).select_related("operator").order_by("ends_at"))


def support_membership(organization_slug: str, user) -> Membership | None:
    """A read-only stand-in membership for an operator's staff member with an open support access to the
    organization, else None. Never saved: it only carries the support role for the request."""
    now = timezone.now()
    access = (SupportAccess.objects.select_related("organization")
              .filter(organization__slug=organization_slug, operator=user, ended_at=None, starts_at__lte=now,
                      ends_at__gt=now).first())
    if access is None:
        return None
    return Membership(organization=access.organization, user=user, role=SUPPORT_ROLE, is_active=True)
