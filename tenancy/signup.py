"""A business signs up on its own: it asks, confirms its email, and only then exists.

`signup_request` stores the details and publishes `SignupRequested`; it answers the same whether or
not the address or business ID is already registered, and takes the same time, because the check runs
later in the worker (`signup_issue_link`), which mails a link only to a free address for a free business.
`organization_sign_up` turns a confirmed request into the owner's account and the organization in one
transaction, through the same `organization_create` the demo data uses (keys, audit chain, owner).
In SIGNUP_MODE "invitation" a request needs an open operator invitation, which the sign-up uses up.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.audit import Actor
from kernel.events import publish
from kernel.registry import RETENTION_SIGNUP
from tenancy.events import SignupInvited, SignupRequested
from tenancy.models import Membership, Organization, SignupInvitation, SignupRequest
from tenancy.roles import Role
from tenancy.services import organization_create
from tenancy.validators import normalise_business_id

SIGNUP_DETAILS = ("email", "first_name", "last_name", "organization_name", "country", "business_id",
                  "street_address", "postal_code", "city", "default_language", "time_zone")


class SignupClosed(Exception):
    """Sign-up is by invitation only and no open invitation was given."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _link(name: str, token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[token])


def invitation_for_token(token: str) -> SignupInvitation | None:
    """The open invitation this token stands for, or None (unknown, used or expired alike)."""
    return SignupInvitation.objects.filter(token_hash=_hash(token), used_at=None,
                                           expires_at__gt=timezone.now()).first()


@transaction.atomic
def signup_invitation_create(*, email: str, language: str) -> SignupInvitation:
    """The operator invites one address; the worker mails the single-use link."""
    invitation = SignupInvitation(
        email=email.strip().lower(), language=language, token_hash=_hash(secrets.token_urlsafe(32)),
        expires_at=timezone.now() + timedelta(days=settings.SIGNUP_INVITATION_DAYS))
    invitation.full_clean()
    invitation.save()
    publish(SignupInvited(invitation_id=invitation.pk))
    return invitation


def signup_invitation_issue_link(*, invitation: SignupInvitation) -> str | None:
    """A fresh link for an open invitation (the one to mail), replacing the stored hash; None once used."""
    token = secrets.token_urlsafe(32)
    if not SignupInvitation.objects.filter(pk=invitation.pk, used_at=None, expires_at__gt=timezone.now()).update(
            token_hash=_hash(token)):
        return None
    return _link("web:signup_invited", token)


@transaction.atomic
def signup_request(*, invitation_token: str = "", **details: str) -> SignupRequest:
    """Store a business's sign-up and have its confirmation link mailed; validates the details.

    Raises SignupClosed in invitation mode without an open invitation, ValidationError on bad details.
    Says nothing about whether the address or the business is registered already.
    """
    invitation = invitation_for_token(invitation_token) if invitation_token else None
    if settings.SIGNUP_MODE == "invitation" and invitation is None:
        raise SignupClosed
    values = {name: details[name].strip() for name in SIGNUP_DETAILS}
    values["email"] = values["email"].lower()
    if invitation is not None:
        values["email"] = invitation.email  # the invited address is the one the link proved
    try:
        values["business_id"] = normalise_business_id(values["country"], values["business_id"])
    except ValidationError as error:
        raise ValidationError({"business_id": error}) from None
    signup = SignupRequest(**values, invitation=invitation, token_hash=_hash(secrets.token_urlsafe(32)),
                           expires_at=timezone.now() + timedelta(hours=settings.SIGNUP_LINK_HOURS))
    signup.full_clean()
    signup.save()
    publish(SignupRequested(signup_id=signup.pk))
    return signup


def already_registered(signup: SignupRequest) -> bool:
    """An account with this address, or an organization with this business ID, exists already."""
    return (get_user_model().objects.filter(email__iexact=signup.email).exists()
            or Organization.objects.filter(country=signup.country, business_id=signup.business_id).exists())


def signup_issue_link(*, signup: SignupRequest) -> str | None:
    """In the worker: the confirmation link to mail, or None when no mail must go (already registered,
    confirmed or expired). A taken address or business gets no mail at all, so the sign-up page and
    the mailbox of whoever typed someone else's address learn nothing."""
    if already_registered(signup):
        return None
    token = secrets.token_urlsafe(32)
    if not SignupRequest.objects.filter(pk=signup.pk, confirmed_at=None, link_sent_at=None,
                                        expires_at__gt=timezone.now()).update(token_hash=_hash(token),
                                                                              link_sent_at=timezone.now()):
        return None
    return _link("web:signup_confirm", token)


def signup_for_token(token: str) -> SignupRequest | None:
    """The unconfirmed, unexpired sign-up this link stands for, or None."""
    return SignupRequest.objects.filter(token_hash=_hash(token), confirmed_at=None,
                                        expires_at__gt=timezone.now()).first()


INVALID_LINK = gettext_lazy("This link is no longer valid. Sign up again to get a new one.")


@transaction.atomic
def organization_sign_up(*, token: str, password: str, ip: str) -> Membership:
    """Confirm the email and create the owner's account and the organization, all or nothing.

    The request is claimed with a conditional update, so a link works once even if it is submitted
    twice at the same moment; an invitation it came with is used up in the same transaction.
    """
    signup = signup_for_token(token)
    if signup is None:
        raise ValidationError(INVALID_LINK)
    now = timezone.now()
    if not SignupRequest.objects.filter(pk=signup.pk, confirmed_at=None).update(confirmed_at=now):
        raise ValidationError(INVALID_LINK)
    if signup.invitation_id is not None and not SignupInvitation.objects.filter(
            pk=signup.invitation_id, used_at=None).update(used_at=now):
        raise ValidationError(INVALID_LINK)
    if already_registered(signup):
        raise ValidationError(_("This business or email address has an account already. Sign in instead."))
    user = get_user_model()(email=signup.email, first_name=signup.first_name, last_name=signup.last_name)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from None
    user.set_password(password)
    user.save()
    actor = Actor(kind="user", user_id=user.pk, label=str(user), role=Role.OWNER, ip=ip)
    organization = organization_create(
        name=signup.organization_name, country=signup.country, business_id=signup.business_id,
        default_language=signup.default_language, time_zone=signup.time_zone, owner=user, actor=actor,
        street_address=signup.street_address, postal_code=signup.postal_code, city=signup.city)
    return Membership.objects.select_related("organization", "user").get(organization=organization, user=user)


def purge_signups(now=None) -> int:
    """Delete sign-up requests and used or expired invitations older than RETENTION_SIGNUP; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=RETENTION_SIGNUP.period_days())
    requests, _n = SignupRequest.objects.filter(created_at__lt=cutoff).delete()
    invitations, _n = SignupInvitation.objects.filter(expires_at__lt=cutoff).delete()
    return requests + invitations
