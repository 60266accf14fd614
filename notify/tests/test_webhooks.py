"""Outgoing webhooks against a real HTTP receiver on loopback: signed, ids only, retried while the
receiver is down, in the organization's audit log, replayable; owners only in the panel."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from booking.services import appointment_transition
from clients.services import special_approval_set
from kernel.audit import Actor
from kernel.events import dispatch
from kernel.models import AuditAction, AuditEvent
from notify.models import WebhookDelivery, WebhookStatus
from notify.webhooks import MAX_ATTEMPTS, check_url, deliver, webhook_add, webhook_replay
from tilli.test import book_appointment, free_port, make_client, run_worker

pytestmark = pytest.mark.django_db
OWNER = Actor.system("test")


class Receiver:
    """A real HTTP server in a thread; `answer` is the status it gives, `down` stops it."""

    def __init__(self) -> None:
        self.port, self.answer, self.received = free_port(), 200, []
        self.server = None

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.answer)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/tilli"


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    receiver = Receiver()
    receiver.start()
    yield receiver
    if receiver.server is not None:
        receiver.stop()


def verify(secret: str, headers: dict, body: str) -> bool:
    """The recipe of docs/webhooks.md, as a receiver writes it."""
    fields = dict(part.split("=", 1) for part in headers["Tilli-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.{body}".encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]) and abs(int(fields["t"]) - timezone.now().timestamp()) < 300


def test_a_booking_reaches_the_endpoint_signed_with_ids_only_and_in_the_audit_log(world, receiver):
    _endpoint, secret = webhook_add(organization=world.org, url=receiver.url, actor=OWNER,
                                    event_types=["booking.appointment_booked", "booking.appointment_cancelled"])
    client = make_client(world.org, first_name="Salla", last_name="Salainen", email="salla@example.test")
    appointment = book_appointment(world.org, world.practitioner, client)
    run_worker()

    [(headers, body)] = receiver.received
    assert verify(secret, headers, body)
    assert not verify("whsec_wrong", headers, body)
    data = json.loads(body)
    assert data["event"] == "booking.appointment_booked" and data["id"] == headers["Tilli-Webhook-Id"]
    assert data["data"] == {"organization_id": world.org.pk, "appointment_id": appointment.pk,
                            "client_id": client.pk, "revision": appointment.revision, "channel": "staff"}
    for private in ("Salla", "Salainen", "salla@example.test"):
        assert private not in body
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_status) == (WebhookStatus.SENT, 200)
    assert AuditEvent.objects.filter(organization=world.org, action=AuditAction.EXPORT,
                                     subject_ref=client.subject_ref, object_type__icontains="webhook").exists()

    appointment_transition(appointment=appointment, to_state="confirmed", actor=OWNER)  # not chosen
    run_worker()
    assert len(receiver.received) == 1


def test_a_receiver_down_for_a_while_gets_the_delivery_once_it_is_back(world, receiver):
    webhook_add(organization=world.org, url=receiver.url, event_types=["clients.client_created"], actor=OWNER)
    receiver.stop()
    receiver.server = None
    make_client(world.org)
    run_worker()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (WebhookStatus.QUEUED, 1)
    assert delivery.error == "URLError" and delivery.next_attempt_at > timezone.now()

    receiver.start()
    receiver.answer = 503  # up, but not ready yet
    later = timezone.now() + dt.timedelta(minutes=2)
    assert deliver(now=later) == {"sent": 0, "retry": 1, "failed": 0}
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.response_status, delivery.error) == (2, 503, "http_503")

    receiver.answer = 204
    assert deliver(now=later + dt.timedelta(minutes=5)) == {"sent": 1, "retry": 0, "failed": 0}
    delivery.refresh_from_db()
    assert delivery.status == WebhookStatus.SENT and len(receiver.received) == 2
    assert len({h["Tilli-Webhook-Id"] for h, _ in receiver.received}) == 1  # the same delivery, retried


def test_a_receiver_that_never_answers_is_given_up(world, receiver):
    webhook_add(organization=world.org, url=receiver.url, event_types=["clients.client_created"], actor=OWNER)
    receiver.answer = 500
    make_client(world.org)
    run_worker()
    moment = timezone.now()
    for _ in range(MAX_ATTEMPTS):
        moment += dt.timedelta(hours=7)
        deliver(now=moment)
    assert WebhookDelivery.objects.get().status == WebhookStatus.FAILED


def test_a_delivery_is_replayed_from_the_log_with_a_new_id(world, receiver):
    webhook_add(organization=world.org, url=receiver.url, event_types=["clients.client_created"], actor=OWNER)
    make_client(world.org)
    run_worker()
    first = WebhookDelivery.objects.get()
    replay = webhook_replay(delivery=first, actor=OWNER)
    run_worker()
    assert WebhookDelivery.objects.get(pk=replay.pk).status == WebhookStatus.SENT
    (_, body1), (headers2, body2) = receiver.received
    assert json.loads(body2)["id"] == headers2["Tilli-Webhook-Id"] == str(replay.delivery_id) != json.loads(body1)["id"]
    assert json.loads(body1)["data"] == json.loads(body2)["data"]


def test_the_special_category_approval_is_never_sent(world, receiver):
    webhook_add(organization=world.org, url=receiver.url, event_types=["clients.consent_changed"], actor=OWNER)
    client = make_client(world.org)
    special_approval_set(client=client, granted=True, source="staff", actor=OWNER)
    run_worker()
    dispatch()
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


def test_only_https_addresses_and_chosen_known_events_are_accepted(world, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    for url in ("http://example.test/hook", "ftp://example.test/", "https://user:pw@example.test/", "https:///x",
                "http://127.0.0.1:9/hook"):
        with pytest.raises(ValidationError):
            check_url(url)
    assert check_url(" https://hooks.example.test/tilli ") == "https://hooks.example.test/tilli"
    with pytest.raises(ValidationError):
        webhook_add(organization=world.org, url="https://hooks.example.test/", event_types=["nope"], actor=OWNER)


def test_an_address_inside_our_network_is_never_posted_to(world, settings):
    from notify.webhooks import _public_address

    settings.WEBHOOK_ALLOW_LOOPBACK = False

    assert not _public_address("127.0.0.1", 443) and not _public_address("10.0.0.8", 443)
    assert not _public_address("169.254.169.254", 80)


def test_only_the_owner_manages_webhooks_in_the_panel(world, client_for, receiver):
    url = reverse("web:webhooks", args=[world.org.slug])
    for role in ("practitioner", "reception", "accountant"):
        assert client_for(world.member(role)).get(url).status_code == 404  # as if it did not exist
    assert client_for(world.outsider).get(url).status_code == 404
    owner = client_for(world.owner)
    owner.cookies["django_language"] = "en"
    page = owner.post(url, {"action": "add", "url": receiver.url, "event_types": ["clients.client_created"]})
    html = page.content.decode()
    assert page.status_code == 200 and "whsec_" in html  # the secret, shown once
    make_client(world.org)
    run_worker()
    delivery = WebhookDelivery.objects.get()
    log = owner.get(url).content.decode()
    assert "clients.client_created" in log and "whsec_" not in log
    response = owner.post(url, {"action": "replay", "delivery": delivery.pk})
    assert response.status_code == 302 and WebhookDelivery.objects.count() == 2
    other = client_for(world.outsider).post(reverse("web:webhooks", args=[world.other_org.slug]),
                                            {"action": "replay", "delivery": delivery.pk})
    assert other.status_code == 404 and WebhookDelivery.objects.count() == 2
