"""Staff invitations and account-wide security actions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.events import InvitationCreated
from accounts.models import Invitation, SecurityEventKind, User
from accounts.security_log import log_security_event
from kernel.audit import Actor, record
from kernel.events import publish
from kernel.models import AuditAction
from tenancy.models import Membership, Organization
from tenancy.services import membership_add


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(*, organization: Organization, email: str, role: str, invited_by: User,
                      actor: Actor) -> Invitation:
    email = email.strip().lower()
    if Membership.objects.for_organization(organization).filter(user__email=email, is_active=True).exists():
        raise ValidationError({"email": _("This person is already a member of the staff.")})
    invitation = Invitation.objects.create(
        organization=organization, email=email, role=role, token_hash=_token_hash(secrets.token_urlsafe(32)),
        invited_by=invited_by, expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=invitation, detail={"role": role})
    # The email goes through the outbox: notify issues the link and queues it in the worker.
    publish(InvitationCreated(organization_id=organization.pk, invitation_id=invitation.pk))
    return invitation


def invitation_issue_link(*, invitation: Invitation) -> str | None:
    """A fresh accept link for an open invitation (the one to mail); None once it is no longer open.

    Called by the invitation's email in the worker, in its transaction: the token exists in clear only
    in that email, and a new one replaces the hash, so only the mailed link works.
    """
    token = secrets.token_urlsafe(32)
    if not Invitation.objects.filter(pk=invitation.pk, accepted_at=None, revoked_at=None).update(
            token_hash=_token_hash(token)):
        return None
    return settings.SITE_URL.rstrip("/") + reverse("accounts:accept_invitation", args=[token])


def invitation_for_token(token: str) -> Invitation | None:
    invitation = Invitation.objects.select_related("organization").filter(token_hash=_token_hash(token)).first()
    return invitation if invitation is not None and invitation.is_open else None


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: Actor) -> None:
    updated = Invitation.objects.filter(pk=invitation.pk, accepted_at=None, revoked_at=None).update(
        revoked_at=timezone.now())
    if updated:
        record(organization=invitation.organization, actor=actor, action=AuditAction.REVOKE, obj=invitation)


@transaction.atomic
def invitation_accept(*, token: str, password: str, first_name: str, last_name: str,
                      signed_in_user: User | None, ip: str) -> Membership:
    """Join the organization: a new person sets a password, a signed-in one joins as is.

    The invitation is claimed with a conditional update, so a token works once even if
    it is submitted twice at the same moment.
    """
    invitation = invitation_for_token(token)
    if invitation is None:
        raise ValidationError(_("This invitation is no longer valid. Ask for a new one."))
    claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at=None, revoked_at=None).update(
        accepted_at=timezone.now())
    if not claimed:
        raise ValidationError(_("This invitation is no longer valid. Ask for a new one."))
    user = signed_in_user
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(_("An account with this email exists. Sign in first, then open the link again."))
        user = User(email=invitation.email, first_name=first_name, last_name=last_name)
        from django.contrib.auth.password_validation import validate_password

        validate_password(password, user)
        user.set_password(password)
        user.save()
    elif user.email.lower() != invitation.email:
        raise ValidationError(_("This invitation was sent to another email address."))
    actor = Actor(kind="user", user_id=user.pk, label=str(user), role=invitation.role, ip=ip)
    return membership_add(organization=invitation.organization, user=user, role=invitation.role, actor=actor)


def sign_out_everywhere(*, request, user: User) -> int:
    """End every session of the user, this one included; returns how many ended."""
    from allauth.usersessions.models import UserSession

    sessions = list(UserSession.objects.filter(user=user))
    for session in sessions:
        session.end()
    log_security_event(request=request, kind=SecurityEventKind.SIGNED_OUT_EVERYWHERE, user=user)
    return len(sessions)
