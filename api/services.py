"""Creating, checking and revoking API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from api.models import ApiToken
from privacy.audit import Actor, record
from privacy.models import AuditAction
from tenancy.models import Membership

TOKEN_PREFIX = "tli_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, membership: Membership, name: str, actor: Actor) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is shown once and never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(organization=membership.organization, membership=membership, name=name,
                                    prefix=secret[: len(TOKEN_PREFIX) + 6], token_hash=_hash(secret))
    record(organization=membership.organization, actor=actor, action=AuditAction.GRANT, obj=token)
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Actor) -> bool:
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())
    if revoked:
        record(organization=token.organization, actor=actor, action=AuditAction.REVOKE, obj=token)
    return bool(revoked)


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The live token for this secret, with its active membership, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (ApiToken.objects.select_related("membership__organization", "membership__user")
             .filter(token_hash=_hash(secret), revoked_at=None, membership__is_active=True,
                     membership__user__is_active=True).first())
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
