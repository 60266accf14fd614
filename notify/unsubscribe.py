"""One-click unsubscribe (RFC 8058): a signed link per client and channel that withdraws the
marketing permission without signing in. The link names no person; it carries ids only."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "tilli.notify.unsubscribe"


def unsubscribe_token(client, channel: str) -> str:
    return signing.dumps({"o": client.organization_id, "c": client.pk, "ch": channel}, salt=SALT, compress=True)


def unsubscribe_url(client, channel: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("unsubscribe", args=[unsubscribe_token(client, channel)])


def client_for_token(token: str):
    """(client, channel) the link stands for, or None for a tampered link or an erased client."""
    from clients.models import Channel, Client

    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("ch") not in Channel.values:
        return None
    client = Client.objects.filter(organization_id=data.get("o"), pk=data.get("c"), erased_at=None).first()
    return (client, data["ch"]) if client else None


def unsubscribe(token: str) -> bool:
    """Withdraw the channel's marketing permission; True if the link was valid (also when already withdrawn)."""
    from clients.models import ConsentSource
    from clients.services import marketing_consent_set
    from privacy.audit import Actor
    from privacy.models import ActorKind

    found = client_for_token(token)
    if found is None:
        return False
    client, channel = found
    marketing_consent_set(client=client, channel=channel, granted=False, source=ConsentSource.LINK,
                          actor=Actor(kind=ActorKind.CLIENT, label="unsubscribe link"))
    return True
