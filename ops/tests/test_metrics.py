"""/metrics: Prometheus text behind a bearer token (404 without one configured), routes by name, DB gauges."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from booking.selectors import free_slots
from booking.services import appointment_book
from kernel.audit import Actor
from notify.models import Message, MessageChannel, MessagePurpose, MessageStatus
from ops.tasks import heartbeat
from tilli.test import make_bookable, make_client

TOKEN = "m" * 40


def _scrape() -> dict[tuple[str, tuple], float]:
    response = Client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    text = response.content.decode()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN


def test_metrics_do_not_exist_without_a_token_configured(db, settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_metrics_need_the_bearer_token(db, token):
    assert Client().get("/metrics").status_code == 401
    assert Client().get("/metrics", headers={"Authorization": "Bearer " + "x" * 40}).status_code == 401
    assert Client().get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    assert Client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_request_latency_is_labelled_by_route_name_never_by_path(db, token):
    secret = "capability-token-abc123"
    Client().get(f"/u/{secret}/")
    Client().get("/no/such/page/unmatched-segment/")
    response = Client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    text = response.content.decode()
    assert 'tilli_request_duration_seconds_count{method="GET",route="unsubscribe"' in text
    assert 'route="<unresolved>"' in text
    # (a numeric path segment would be a bad probe: sample values such as timestamps may contain its digits)
    assert secret not in text and "unmatched-segment" not in text


def test_a_committed_booking_is_counted(world, token, django_capture_on_commit_callbacks):
    _, resource, service = make_bookable(world.org, world.practitioner)
    client = make_client(world.org, email="counted@example.test")
    key = ("tilli_bookings_total", (("channel", "phone"),))
    before = _scrape().get(key, 0.0)
    day = timezone.localdate() + dt.timedelta(days=3)
    start = free_slots(service, day, day + dt.timedelta(days=10), staff=resource)[0].start
    with django_capture_on_commit_callbacks(execute=True):
        appointment_book(service=service, start=start, client=client, channel="phone", actor=Actor.system("test"),
                         staff=resource)
    assert _scrape()[key] == before + 1


def test_outbox_task_queue_and_failed_deliveries_are_read_from_the_database(world, token):
    client = make_client(world.org, email="gauge@example.test")
    before = _scrape()  # the world's own messages and tasks (invitations, event dispatch) are counted too
    now = timezone.now()
    for n, status in enumerate([MessageStatus.QUEUED, MessageStatus.QUEUED, MessageStatus.FAILED]):
        Message.objects.create(organization=world.org, client=client, purpose=MessagePurpose.TRANSACTIONAL,
                               kind="confirmed", channel=MessageChannel.EMAIL, recipient=client.email, language="fi",
                               subject="S", body="B", dedupe_key=f"g-{n}", status=status, next_attempt_at=now)
    Message.objects.create(organization=world.org, client=client, purpose=MessagePurpose.REMINDER, kind="reminder",
                           channel=MessageChannel.EMAIL, recipient=client.email, language="fi", subject="S",
                           body="B", dedupe_key="later", next_attempt_at=now + dt.timedelta(days=1))
    heartbeat.enqueue()
    samples = _scrape()

    def added(name, labels=()):
        return samples[(name, labels)] - before.get((name, labels), 0)

    assert added("tilli_outbox_backlog") == 2  # the reminder is not due yet
    assert added("tilli_outbox_messages", (("channel", "email"), ("status", "failed"))) == 1
    assert added("tilli_outbox_messages", (("channel", "email"), ("status", "queued"))) == 3
    assert added("tilli_task_queue_ready") == 1
    assert samples[("tilli_task_queue_oldest_age_seconds", ())] >= 0
    assert samples[("tilli_backup_last_success_timestamp_seconds", ())] == 0
    response = Client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert b"gauge@example.test" not in response.content and world.org.slug.encode() not in response.content
