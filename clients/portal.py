"""The client portal's sign-in: one-time links by email, and the session that follows.

A link is valid for 30 minutes and once. Asking for a link says the same thing whether
or not the address is in the register, so the portal reveals nobody's membership.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, ClientSignIn, PortalLoginToken, SignInMethod
from kernel.audit import Actor, client_ip
from kernel.models import ActorKind
from tenancy.models import Organization
from tenancy.ratelimit import over_limit

LINK_MINUTES = 30
SESSION_KEY = "portal_client"
RECENT_SIGN_IN_MINUTES = 30


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Per address and 10 minutes; each request also counts against the caller's limit over all
# public writes (tenancy.public_writes), checked by the view.
LINKS_PER_ADDRESS, PASSWORD_TRIES_PER_ADDRESS = 3, 5


def link_requests_exceeded(*, organization: Organization, email: str) -> bool:
    return over_limit(f"portal-link:{organization.pk}:{email.strip().lower()}", LINKS_PER_ADDRESS)


def password_attempts_exceeded(*, organization: Organization, email: str) -> bool:
    return over_limit(f"portal-pw:{organization.pk}:{email.strip().lower()}", PASSWORD_TRIES_PER_ADDRESS)


@transaction.atomic
def issue_login_link(*, organization: Organization, email: str) -> tuple[Client, str] | None:
    """A new one-time link for the client with this address: (client, absolute URL), or None.

    Called by the worker, never in the request that asked for the link: the time a request
    takes must not tell whether the address is a client's (see notify.services.request_portal_link).
    """
    email = email.strip().lower()
    client = (Client.objects.for_organization(organization).filter(email=email).order_by("-updated_at").first()
              if email else None)
    if client is None:
        return None
    token = secrets.token_urlsafe(32)
    PortalLoginToken.objects.create(organization=organization, client=client, token_hash=_hash(token),
                                    expires_at=timezone.now() + timedelta(minutes=LINK_MINUTES))
    return client, settings.SITE_URL.rstrip("/") + reverse("portal:link", args=[organization.slug, token])


@transaction.atomic
def use_login_link(*, organization: Organization, token: str) -> Client | None:
    """Claim the link once (a conditional update) and return its client, or None."""
    now = timezone.now()
    claimed = PortalLoginToken.objects.filter(organization=organization, token_hash=_hash(token), used_at=None,
                                              expires_at__gt=now).update(used_at=now)
    if not claimed:
        return None
    return PortalLoginToken.objects.select_related("client").get(token_hash=_hash(token)).client


def link_is_valid(*, organization: Organization, token: str) -> bool:
    return PortalLoginToken.objects.filter(organization=organization, token_hash=_hash(token), used_at=None,
                                           expires_at__gt=timezone.now()).exists()


@transaction.atomic
def sign_in(request: HttpRequest, client: Client, *, method: str) -> None:
    """Start the client's portal session and record the sign-in, which the client sees on their data page."""
    if method not in SignInMethod.values:
        raise ValueError(f"unknown portal sign-in method {method!r}")
    now = timezone.now()
    request.session.cycle_key()
    request.session[SESSION_KEY] = {"organization": client.organization_id, "client": client.pk,
                                    "at": int(now.timestamp())}
    Client.objects.filter(pk=client.pk).update(portal_last_login=now)
    ClientSignIn.objects.create(organization=client.organization, client=client, ip=client_ip(request),
                                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300], method=method)


def signed_in_recently(request: HttpRequest, minutes: int = RECENT_SIGN_IN_MINUTES) -> bool:
    """Whether this portal session began within `minutes`: destructive actions ask for a fresh sign-in."""
    started = (request.session.get(SESSION_KEY) or {}).get("at")
    return bool(started) and timezone.now().timestamp() - started <= minutes * 60


def password_sign_in(*, organization: Organization, email: str, password: str) -> Client | None:
    """The client with this address and portal password, or None (the same answer for any mismatch)."""
    from django.contrib.auth.hashers import check_password, make_password

    candidates = Client.objects.for_organization(organization).filter(email=email.strip().lower()).exclude(
        portal_password="")
    for client in candidates:
        if check_password(password, client.portal_password):
            return client
    make_password(password)  # spend the same time when nobody matched
    return None


@transaction.atomic
def set_portal_password(*, client: Client, password: str, actor: Actor) -> None:
    """Let the client sign in with a password as well as by link; validated like staff passwords."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.password_validation import validate_password

    from kernel.audit import record
    from kernel.models import AuditAction

    validate_password(password)
    Client.objects.filter(pk=client.pk).update(portal_password=make_password(password))
    record(organization=client.organization, actor=actor, action=AuditAction.UPDATE, obj=client,
           subject_ref=client.subject_ref, changed_fields=["portal_password"])


def signed_in_client(request: HttpRequest, organization: Organization) -> Client | None:
    data = request.session.get(SESSION_KEY) or {}
    if data.get("organization") != organization.pk:
        return None
    return Client.objects.for_organization(organization).filter(pk=data.get("client")).first()


def client_actor(request: HttpRequest, client: Client) -> Actor:
    return Actor(kind=ActorKind.CLIENT, label="", role="", ip=client_ip(request))
