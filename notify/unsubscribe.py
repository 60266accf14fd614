"""One-click unsubscribe (RFC 8058): a signed link per client and channel that withdraws the
marketing permission without signing in. The link names no person; it carries ids and an
HMAC, and stays short enough that the List-Unsubscribe header is never folded or encoded."""

from __future__ import annotations

import re

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "tilli.notify.unsubscribe"
_CHANNELS = {"e": "email", "s": "sms"}
_TOKEN = re.compile(r"^(\d+)-(\d+)-([es])-([0-9a-f]{24})$")


def _signature(organization_id: int, client_id: int, channel_code: str) -> str:
    return salted_hmac(SALT, f"{organization_id}-{client_id}-{channel_code}", algorithm="sha256").hexdigest()[:24]


def unsubscribe_token(client, channel: str) -> str:
    code = channel[0]
    return f"{client.organization_id}-{client.pk}-{code}-{_signature(client.organization_id, client.pk, code)}"


def unsubscribe_url(client, channel: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("unsubscribe", args=[unsubscribe_token(client, channel)])


def client_for_token(token: str):
    """(client, channel) the link stands for, or None for a tampered link or an erased client."""
    from clients.models import Client

    match = _TOKEN.match(token)
    if match is None:
        return None
    organization_id, client_id, code, signature = int(match[1]), int(match[2]), match[3], match[4]
    if not constant_time_compare(signature, _signature(organization_id, client_id, code)):
        return None
    client = Client.objects.filter(organization_id=organization_id, pk=client_id, erased_at=None).first()
    return (client, _CHANNELS[code]) if client else None


def unsubscribe(token: str) -> bool:
    """Withdraw the channel's marketing permission; True if the link was valid (also when already withdrawn)."""
    from clients.models import ConsentSource
    from clients.services import marketing_consent_set
    from kernel.audit import Actor
    from kernel.models import ActorKind

    found = client_for_token(token)
    if found is None:
        return False
    client, channel = found
    marketing_consent_set(client=client, channel=channel, granted=False, source=ConsentSource.LINK,
                          actor=Actor(kind=ActorKind.CLIENT, label="unsubscribe link"))
    return True
