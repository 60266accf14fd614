"""Creating, checking and revoking API tokens.

A token acts with its member's role until it expires (chosen at creation: API_TOKEN_DEFAULT_DAYS
unless the creator picks another lifetime, never more than API_TOKEN_MAX_DAYS) or is revoked.
A token whose role can export or erase personal data is made only by a member with two-factor
sign-in; the panel also asks them to confirm it is them right before (web.views.api_tokens).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.middleware import SECOND_FACTORS
from api.models import ApiToken
from kernel.audit import Actor, record
from kernel.models import AuditAction
from tenancy.models import Membership
from tenancy.roles import Perm

TOKEN_PREFIX = "tli_"
# What makes a token dangerous in the wrong hands: copying out or erasing clients' data.
EXPORT_OR_ERASE = frozenset({Perm.MANAGE_REQUESTS, Perm.ERASE_CLIENTS, Perm.EXPORT_CLIENTS})
LAST_USED_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def can_export_or_erase(membership: Membership) -> bool:
    return any(membership.has_perm(perm) for perm in EXPORT_OR_ERASE)


def check_token_request(*, membership: Membership, actor: Actor, days: int | None) -> int:
    """The token's lifetime in days, or a ValidationError: a lifetime out of range, or a staff member
    without two-factor sign-in asking for a token that can export or erase."""
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError({"days": [_("Choose a lifetime from 1 to %(max)s days.") % {
            "max": settings.API_TOKEN_MAX_DAYS}]})
    if actor.is_staff and can_export_or_erase(membership) and not is_mfa_enabled(membership.user, SECOND_FACTORS):
        raise ValidationError(_("Your role can export or erase personal data: turn on two-factor sign-in before "
                                "you create a token."), code="mfa_required")
    return days


@transaction.atomic
def api_token_create(*, membership: Membership, name: str, actor: Actor,
                     days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is shown once and never stored."""
    days = check_token_request(membership=membership, actor=actor, days=days)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(organization=membership.organization, membership=membership, name=name,
                                    prefix=secret[: len(TOKEN_PREFIX) + 6], token_hash=_hash(secret),
                                    expires_at=timezone.now() + timedelta(days=days))
    record(organization=membership.organization, actor=actor, action=AuditAction.GRANT, obj=token,
           changed_fields=["expires_at"], detail={"days": days})
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Actor) -> bool:
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())
    if revoked:
        record(organization=token.organization, actor=actor, action=AuditAction.REVOKE, obj=token)
    return bool(revoked)


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The live (unrevoked, unexpired) token for this secret, with its active membership, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = (ApiToken.objects.select_related("membership__organization", "membership__user")
             .filter(token_hash=_hash(secret), revoked_at=None, expires_at__gt=now, membership__is_active=True,
                     membership__user__is_active=True).first())
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        # At most one write a minute per token, however many requests arrive at once: the condition is
        # checked again in the UPDATE, so concurrent requests do not all write.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at=None) | Q(last_used_at__lte=now - LAST_USED_EVERY)).update(last_used_at=now)
    return token
