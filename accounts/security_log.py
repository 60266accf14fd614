"""Writing the security log: sign-ins, failures and security changes, with IP and browser."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest

from accounts.models import SecurityEvent, User
from tilli.lib.client_ip import client_ip


def identifier_hash(identifier: str) -> str:
    """A keyed hash of a sign-in name, so failures can be grouped without storing it."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, identifier.strip().lower().encode(), hashlib.sha256).hexdigest()


def log_security_event(*, request: HttpRequest | None, kind: str, user: User | None = None,
                       identifier: str = "") -> SecurityEvent:
    meta = request.META if request is not None else {}
    return SecurityEvent.objects.create(
        user=user,
        kind=kind,
        ip=client_ip(request) if request is not None else "",
        user_agent=meta.get("HTTP_USER_AGENT", "")[:300],
        identifier_hash=identifier_hash(identifier) if identifier and user is None else "",
    )
