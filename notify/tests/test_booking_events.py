"""Booking messages travel as durable events: a crash after the commit loses none, a second dispatch
sends none twice, and a failing subscriber never changes what the booking visitor was told."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from booking.selectors import free_slots
from conftest import _Inbox
from kernel.events import dispatch
from kernel.models import DeliveryStatus, EventDelivery
from notify.models import Message, MessageChannel, MessagePurpose, MessageStatus, ReminderRule
from tilli.test import free_port, make_bookable, run_worker, with_proof

ROOT = Path(__file__).resolve().parents[2]
PERSON = {"first_name": "Liisa", "last_name": "Lahtinen", "email": "liisa@example.test", "phone": "040 765 4321"}
SUBSCRIBER = "notify.subscribers.appointment_messages"


def _slot(service):
    today = timezone.localdate()
    return free_slots(service, today + dt.timedelta(days=3), today + dt.timedelta(days=14))[0].start


def _book_on_the_page(world, service, staff):
    visitor = Browser()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    start = _slot(service).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return visitor.post(reverse("public_booking:details", args=[world.org.slug]),
                        {**PERSON, "service": service.pk, "staff": staff.pk, "start": start, **with_proof(world.org)})


def _book_by_api(world, service):
    body = {"service_id": service.pk, "start": _slot(service).isoformat(), **PERSON, **with_proof(world.org)}
    return Browser().post(f"/api/v1/public/{world.org.slug}/appointments", data=json.dumps(body),
                          content_type="application/json")


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _fresh_worker(port: int) -> None:
    """`manage.py db_worker --batch` in a new process: nothing of the booking's process survives."""
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "tilli.settings_test",
           "MAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port)}
    subprocess.run([sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
                   cwd=ROOT, env=env, check=True, timeout=120, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.django_db(transaction=True)
def test_a_booking_committed_before_a_crash_gets_its_confirmation_and_reminders_from_a_fresh_worker_once(world):
    cache.clear()
    ReminderRule.objects.create(organization=world.org, hours_before=24, channel=MessageChannel.EMAIL)
    _, staff, service = make_bookable(world.org, world.practitioner)
    response = _book_on_the_page(world, service, staff)
    assert response.status_code == 302
    # The web process "dies" here: the booking is committed, nothing of notify ran in it.
    assert not Message.objects.exists()
    assert EventDelivery.objects.get(subscriber=SUBSCRIBER).status == DeliveryStatus.PENDING

    inbox, port = _Inbox(), free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        _fresh_worker(port)
        staff_email = world.practitioner.user.email  # the staff member's note of an online booking
        assert sorted(m["To"] for m in inbox.wait_for(2)) == sorted(["liisa@example.test", staff_email])
        assert Message.objects.get(purpose=MessagePurpose.TRANSACTIONAL).status == MessageStatus.SENT
        assert Message.objects.filter(purpose=MessagePurpose.REMINDER, status=MessageStatus.QUEUED).count() == 1

        # Dispatch runs again (a second worker, a retried task): nothing is queued or sent twice.
        EventDelivery.objects.update(next_attempt_at=timezone.now())
        assert dispatch()["done"] == 0
        from kernel.events import dispatch_events

        dispatch_events.enqueue()
        _fresh_worker(port)
        assert len(inbox.wait_for(3, timeout=1)) == 2
        assert Message.objects.count() == 3
    finally:
        server.stop()


@pytest.mark.django_db
@pytest.mark.parametrize("channel", ["page", "api"])
def test_a_failing_subscriber_does_not_change_the_booking_answer_and_is_retried(
        world, channel, smtp_server, monkeypatch, django_capture_on_commit_callbacks):
    cache.clear()
    _, staff, service = make_bookable(world.org, world.practitioner)

    def broken(*args, **kwargs):
        raise ConnectionError("template storage unavailable")

    monkeypatch.setattr("notify.services._booking_messages", broken)
    with django_capture_on_commit_callbacks(execute=True):  # whatever runs after the commit in production
        response = _book_on_the_page(world, service, staff) if channel == "page" else _book_by_api(world, service)
    assert response.status_code == (302 if channel == "page" else 201)
    run_worker()
    delivery = EventDelivery.objects.get(subscriber=SUBSCRIBER)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.PENDING, 1,
                                                                         "ConnectionError")
    assert not Message.objects.exists() and not smtp_server.messages

    monkeypatch.undo()
    assert dispatch(now=timezone.now() + dt.timedelta(minutes=2))["done"] == 1
    run_worker()
    assert "liisa@example.test" in [m["To"] for m in smtp_server.wait_for(2)]
