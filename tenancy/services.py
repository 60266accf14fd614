"""Writes for organizations and memberships: one function per action, each audited."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kernel.audit import Actor, record
from kernel.models import AuditAction, AuditChainHead
from tenancy.errors import TenancyError
from tenancy.keyring import ensure_keys
from tenancy.models import Membership, Organization, SetupChecklistHidden
from tenancy.roles import Role
from tilli.errors import Conflict

EDITABLE_ORGANIZATION_FIELDS = (
    "name", "business_id", "street_address", "postal_code", "city", "default_language", "time_zone",
    "privacy_contact_name", "privacy_contact_email", "privacy_contact_phone", "dpo_name", "dpo_email",
    "national_id_enabled", "public_languages",
)


class LastOwnerError(Conflict):
    """An organization must always keep at least one active owner."""

    def __init__(self) -> None:
        super().__init__(TenancyError.LAST_OWNER, _("The organization must keep at least one active owner."))

    def __reduce__(self):
        return self.__class__, ()


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def organization_create(*, name: str, country: str, business_id: str, default_language: str, time_zone: str,
                        owner: AbstractBaseUser, actor: Actor, is_demo: bool = False, slug: str | None = None,
                        **details: str) -> Organization:
    organization = Organization(name=name, country=country, business_id=business_id,
                                default_language=default_language, time_zone=time_zone,
                                slug=slug or _unique_slug(name), is_demo=is_demo, **details)
    organization.full_clean()
    organization.save()
    AuditChainHead.objects.create(organization=organization)
    ensure_keys(organization.pk)
    record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=organization)
    membership_add(organization=organization, user=owner, role=Role.OWNER, actor=actor)
    return organization


@transaction.atomic
def organization_update(*, organization: Organization, actor: Actor, **changes: str) -> list[str]:
    """Apply validated changes; returns the names of the fields that really changed."""
    changed = [name for name in EDITABLE_ORGANIZATION_FIELDS
               if name in changes and getattr(organization, name) != changes[name]]
    for name in changed:
        setattr(organization, name, changes[name])
    organization.full_clean()
    if changed:
        organization.save(update_fields=changed)
        record(organization=organization, actor=actor, action=AuditAction.UPDATE, obj=organization,
               changed_fields=changed)
    return changed


@transaction.atomic
def membership_add(*, organization: Organization, user: AbstractBaseUser, role: str, actor: Actor) -> Membership:
    membership, created = Membership.objects.get_or_create(organization=organization, user=user,
                                                           defaults={"role": role})
    if not created:
        membership.role, membership.is_active = role, True
        membership.save(update_fields=["role", "is_active"])
    record(organization=organization, actor=actor, action=AuditAction.GRANT, obj=membership,
           detail={"role": role})
    return membership


def _active_owner_count(organization: Organization) -> int:
    return Membership.objects.for_organization(organization).filter(role=Role.OWNER, is_active=True).count()


@transaction.atomic
def membership_change(*, membership: Membership, actor: Actor, role: str | None = None,
                      is_active: bool | None = None) -> Membership:
    """Change a staff member's role or deactivate them, never leaving the organization without an owner."""
    # Lock the organization row: two owners demoting each other at once must not both succeed.
    Organization.objects.select_for_update().get(pk=membership.organization_id)
    locked = Membership.objects.select_for_update().select_related("organization").get(pk=membership.pk)
    new_role = role if role is not None else locked.role
    new_active = is_active if is_active is not None else locked.is_active
    losing_owner = locked.role == Role.OWNER and locked.is_active and (new_role != Role.OWNER or not new_active)
    if losing_owner and _active_owner_count(locked.organization) <= 1:
        raise LastOwnerError
    changed = [name for name, new in (("role", new_role), ("is_active", new_active)) if getattr(locked, name) != new]
    if changed:
        locked.role, locked.is_active = new_role, new_active
        locked.save(update_fields=changed)
        action = AuditAction.REVOKE if not new_active else AuditAction.UPDATE
        record(organization=locked.organization, actor=actor, action=action, obj=locked, changed_fields=changed,
               detail={"role": new_role})
    return locked


@transaction.atomic
def setup_checklist_hide(*, organization: Organization, actor: Actor) -> None:
    """The owner hides the setup checklist from the dashboard (the panel offers it once every step is done)."""
    hidden, created = SetupChecklistHidden.objects.get_or_create(organization=organization)
    if created:
        record(organization=organization, actor=actor, action=AuditAction.UPDATE, obj=hidden)
