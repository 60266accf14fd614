"""Outgoing webhooks: an owner's HTTPS endpoint receives the domain events it chose, signed.

Policy (docs/webhooks.md has the receiver's side):
- A subscriber (notify.subscribers.webhook_deliveries) turns each event into one delivery row per
  endpoint that wants it, in the event's delivery transaction; the worker POSTs it later, never a
  web request. The body is the event's name, the delivery's id and the event's ids and codes: no
  names, addresses or free text, and no special-category hint (the special-category approval is
  never sent).
- Each POST carries `Tilli-Webhook-Id` (the receiver's idempotency key) and `Tilli-Signature:
  t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the endpoint's secret>`.
- Due deliveries are claimed by a conditional update (queued -> sending), so workers share the
  queue; an answer other than 2xx, a timeout or a refused connection is retried with backoff
  (1, 2, 4 … minutes, at most 6 hours) up to MAX_ATTEMPTS, then marked failed. A worker killed
  mid-POST leaves its claim, which returns to the queue after LEASE (at least once: receivers
  deduplicate by the delivery id).
- Redirects are not followed and the address must resolve to a public IP (no requests into our own
  network); tests allow http on loopback with WEBHOOK_ALLOW_LOOPBACK.
- Every delivered POST is an `export` row in the organization's audit log, under the client's
  pseudonymous reference when the event is about a client, so the client's access log shows it.
- The owner replays any delivery from the delivery log: a new delivery with the same body.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.models.online import OnlinePayment, OnlineRefund
from kernel.audit import Actor, record
from kernel.events import Event
from kernel.models import AuditAction
from notify.models import WebhookDelivery, WebhookEndpoint, WebhookStatus
from tilli.lib.http import NO_REDIRECTS

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
LEASE = dt.timedelta(minutes=5)
TIMEOUT_SECONDS = 10
BATCH = 100

# The event types an owner can choose, with the words the panel shows.
EVENT_LABELS: dict[str, object] = {
    "booking.appointment_booked": gettext_lazy("Appointment booked"),
    "booking.appointment_moved": gettext_lazy("Appointment moved or its length changed"),
    "booking.appointment_confirmed": gettext_lazy("Appointment confirmed"),
    "booking.appointment_arrived": gettext_lazy("Client arrived"),
    "booking.appointment_completed": gettext_lazy("Appointment completed"),
    "booking.appointment_cancelled": gettext_lazy("Appointment cancelled"),
    "booking.appointment_no_show": gettext_lazy("No-show"),
    "clients.client_created": gettext_lazy("Client added"),
    "clients.client_changed": gettext_lazy("Client's details changed (field names only)"),
    "clients.client_restricted": gettext_lazy("Client's data restricted"),
    "clients.client_restriction_lifted": gettext_lazy("Restriction lifted"),
    "clients.client_erased": gettext_lazy("Client erased"),
    "clients.consent_changed": gettext_lazy("Marketing permission granted or withdrawn"),
    "billing.sale_completed": gettext_lazy("Sale completed (receipt written)"),
    "billing.sale_refunded": gettext_lazy("Refund made (credit receipt written)"),
    "billing.online_payment_paid": gettext_lazy("Online payment received (also a no-show fee charged)"),
    "billing.online_payment_failed": gettext_lazy("Online payment failed"),
    "billing.online_payment_lapsed": gettext_lazy("Online payment not made in time"),
    "billing.online_payment_kept": gettext_lazy("Online payment kept under the policy"),
    "billing.online_refund_done": gettext_lazy("Online payment refunded"),
    "privacy.request_received": gettext_lazy("Data-subject request received"),
    "privacy.request_answered": gettext_lazy("Data-subject request answered"),
}


# Online payment events carry the payment's (and a refund's) amount and currency beside the ids: money, not people.
PAYMENT_EVENTS = frozenset(name for name in EVENT_LABELS if name.startswith("billing.online_"))


def _data(event: Event) -> dict:
    data = event.payload()
    if event.name in PAYMENT_EVENTS:
        payment = OnlinePayment.objects.filter(organization_id=event.organization_id,
                                               pk=data.get("payment_id")).values("amount", "currency").first()
        if payment is not None:
            data.update(amount=str(payment["amount"]), currency=payment["currency"])
        if data.get("refund_id"):
            refund = OnlineRefund.objects.filter(organization_id=event.organization_id,
                                                 pk=data["refund_id"]).values("amount").first()
            if refund is not None:
                data["refund_amount"] = str(refund["amount"])
    return data


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def sign(secret: str, timestamp: int, body: str) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()


def _loopback_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_LOOPBACK", False))


def check_url(url: str) -> str:
    """The endpoint address as stored, or ValidationError: https, with a host, no credentials."""
    url = url.strip()
    parts = urlsplit(url)
    loopback = _loopback_allowed() and parts.hostname in ("127.0.0.1", "localhost")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ValidationError({"url": [_("The address must start with https://.")]})
    if not parts.hostname or parts.username or parts.password or len(url) > 500:
        raise ValidationError({"url": [_("Enter the full address of your endpoint, without a user name.")]})
    return url


def _public_address(host: str, port: int) -> bool:
    """Whether every address the host resolves to is a public one (or loopback where tests allow it)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError:
        return False
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if address.is_loopback and _loopback_allowed():
            continue
        if not address.is_global:
            return False
    return bool(infos)


@transaction.atomic
def webhook_add(*, organization, url: str, event_types: list[str], actor: Actor) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its signing secret (shown to the owner once, kept encrypted)."""
    url = check_url(url)
    chosen = [name for name in EVENT_LABELS if name in set(event_types)]
    if not chosen or len(chosen) != len(set(event_types)):
        raise ValidationError({"event_types": [_("Choose at least one event.")]})
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(organization=organization, url=url, secret=secret,
                                              event_types=chosen, created_by_user_id=actor.user_id)
    record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=endpoint,
           changed_fields=["url", "event_types"], detail={"events": chosen})
    return endpoint, secret


@transaction.atomic
def webhook_remove(*, endpoint: WebhookEndpoint, actor: Actor) -> None:
    record(organization=endpoint.organization, actor=actor, action=AuditAction.DELETE, obj=endpoint)
    endpoint.delete()


@transaction.atomic
def webhook_replay(*, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Send a delivery's body again, as a new delivery (a new id, so the receiver does not discard it)."""
    replay = WebhookDelivery.objects.create(
        organization_id=delivery.organization_id, endpoint_id=delivery.endpoint_id, delivery_id=uuid.uuid4(),
        event=delivery.event, body=_with_id(delivery.body, None), next_attempt_at=timezone.now(), replay_of=delivery)
    WebhookDelivery.objects.filter(pk=replay.pk).update(body=_with_id(delivery.body, replay.delivery_id))
    record(organization=delivery.endpoint.organization, actor=actor, action=AuditAction.CREATE, obj=replay,
           detail={"replay_of": delivery.pk, "event": delivery.event})
    _deliver_soon()
    return replay


def _with_id(body: str, delivery_id: uuid.UUID | None) -> str:
    data = json.loads(body)
    data["id"] = str(delivery_id) if delivery_id else ""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _deliver_soon() -> None:
    deliver_webhooks.enqueue()


def queue_for_event(event: Event) -> int:
    """In the event's delivery transaction: one delivery per endpoint of the organization that wants it."""
    if event.name not in EVENT_LABELS or getattr(event, "consent", "") == "special_category":
        return 0
    now, queued = timezone.now(), 0
    for endpoint in WebhookEndpoint.objects.filter(organization_id=event.organization_id, is_active=True):
        if event.name not in endpoint.event_types:
            continue
        delivery_id = uuid.uuid4()
        body = json.dumps({"id": str(delivery_id), "event": event.name, "created": now.isoformat(),
                           "data": _data(event)}, sort_keys=True, separators=(",", ":"))
        WebhookDelivery.objects.create(organization_id=event.organization_id, endpoint=endpoint,
                                       delivery_id=delivery_id, event=event.name, body=body, next_attempt_at=now)
        queued += 1
    if queued:
        _deliver_soon()
    return queued


def _post(delivery: WebhookDelivery) -> int:
    """POST the body; returns the HTTP status (0 when no answer came)."""
    endpoint = delivery.endpoint
    parts = urlsplit(check_url(endpoint.url))  # https (or loopback http in tests) only, checked again
    if not _public_address(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)):
        raise ConnectionRefusedError("address not allowed")
    timestamp = int(timezone.now().timestamp())
    request = urllib.request.Request(endpoint.url, data=delivery.body.encode(), method="POST", headers={  # noqa: S310
        "Content-Type": "application/json", "User-Agent": "Tilli-Webhooks/1",
        "Tilli-Webhook-Id": str(delivery.delivery_id), "Tilli-Event": delivery.event,
        "Tilli-Signature": f"t={timestamp},v1={sign(endpoint.secret, timestamp, delivery.body)}"})
    try:
        # A 3xx is an answer like any other non-2xx: retried, never followed.
        with NO_REDIRECTS.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _subject_ref(delivery: WebhookDelivery):
    from clients.models import Client

    client_id = json.loads(delivery.body).get("data", {}).get("client_id")
    if not client_id:
        return None
    return Client.objects.filter(pk=client_id, organization_id=delivery.organization_id).values_list(
        "subject_ref", flat=True).first()


def _finish(delivery: WebhookDelivery, status: int, error: str) -> str:
    now = timezone.now()
    row = WebhookDelivery.objects.filter(pk=delivery.pk, claim_token=delivery.claim_token)
    if 200 <= status < 300:
        with transaction.atomic():
            row.update(status=WebhookStatus.SENT, sent_at=now, response_status=status, error="", claim_token=None)
            record(organization=delivery.endpoint.organization, actor=Actor.system("webhook"),
                   action=AuditAction.EXPORT, obj=delivery.endpoint, subject_ref=_subject_ref(delivery),
                   detail={"event": delivery.event, "delivery": str(delivery.delivery_id)})
        return "sent"
    if delivery.attempts >= MAX_ATTEMPTS:
        row.update(status=WebhookStatus.FAILED, response_status=status or None, error=error, claim_token=None)
        return "failed"
    row.update(status=WebhookStatus.QUEUED, response_status=status or None, error=error, claim_token=None,
               next_attempt_at=now + backoff(delivery.attempts))
    return "retry"


def deliver(*, now: dt.datetime | None = None) -> dict[str, int]:
    """POST every due delivery once (oldest first); returns counts. Runs in the worker, outside any transaction."""
    now = now or timezone.now()
    WebhookDelivery.objects.filter(status=WebhookStatus.SENDING, claimed_at__lt=now - LEASE).update(
        status=WebhookStatus.QUEUED, claim_token=None)
    counts = {"sent": 0, "retry": 0, "failed": 0}
    token = uuid.uuid4()
    due = WebhookDelivery.objects.filter(status=WebhookStatus.QUEUED, next_attempt_at__lte=now)
    pks = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:BATCH])
    WebhookDelivery.objects.filter(pk__in=pks, status=WebhookStatus.QUEUED).update(
        status=WebhookStatus.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1)
    for delivery in (WebhookDelivery.objects.filter(claim_token=token).select_related("endpoint__organization")
                     .order_by("pk")):
        try:
            status, error = _post(delivery), ""
            if not 200 <= status < 300:
                error = f"http_{status}"
        except (OSError, ValueError) as failure:  # refused, unreachable, timed out, bad address
            status, error = 0, type(failure).__name__[:100]
        outcome = _finish(delivery, status, error)
        counts[outcome] += 1
        if outcome != "sent":
            logger.warning("webhook delivery %s not delivered: %s", delivery.pk, error)
    return counts


@task
def deliver_webhooks() -> dict[str, int]:
    """POST the due webhook deliveries (after each event, and every minute for retries)."""
    return deliver()
