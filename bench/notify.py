"""Outbox benchmark: 10,000 reminders due at once, delivered to a local SMTP server.

Baseline, in the same run: a bare loop sending the same number of equally sized messages over
one SMTP connection with smtplib (no database, no checks, no bookkeeping). Target: the outbox
delivers at least half as many messages per second as the bare loop.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import sys
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from django.conf import settings
from django.utils import timezone
from tqdm import tqdm

from clients.models import Client
from notify.delivery import deliver
from notify.models import Message, MessageChannel, MessagePurpose, MessageStatus
from tilli.test import free_port, make_bookable, make_client

COUNT = 10_000


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def _reminders(organization, member, count: int) -> None:
    from booking.models import Appointment

    _, resource, service = make_bookable(organization, member)
    client = make_client(organization, email="bench.reminder@example.test")
    clients = Client.objects.bulk_create([
        Client(organization=organization, first_name=f"Asiakas{n}", last_name="Muistutettava",
               email=f"reminder{n}@example.test", preferred_language="fi") for n in range(count)], batch_size=1000)
    start = timezone.now() + dt.timedelta(days=1)
    appointments = Appointment.objects.bulk_create([
        Appointment(organization=organization, client=c, service=service, staff=resource, location=resource.location,
                    start=start, end=start + dt.timedelta(hours=1), channel="phone") for c in clients],
        batch_size=1000)
    now = timezone.now()
    body = ("Muistutus varauksestasi.\n\nPalvelu: Hiustenleikkaus\nAika: huomenna klo 10.00–11.00\n"
            "Peru tai siirrä: https://tilli.example/b/salon/manage/abcdefghijklmnopqrstuvwxyz0123456789/\n")
    Message.objects.bulk_create([
        Message(organization=organization, client=a.client, appointment=a, purpose=MessagePurpose.REMINDER,
                kind="reminder", channel=MessageChannel.EMAIL, recipient=a.client.email, language="fi",
                subject="Muistutus: varauksesi", body=body, next_attempt_at=now,
                dedupe_key=f"reminder:{a.pk}:0:24:email") for a in appointments], batch_size=1000)
    del client


def _bare_loop(port: int, count: int) -> float:
    body = "x" * 260
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for n in range(count):
            message = EmailMessage()
            message["Subject"], message["From"], message["To"] = "Muistutus: varauksesi", "a@b.c", f"r{n}@e.test"
            message.set_content(body)
            smtp.send_message(message)
    return time.perf_counter() - start


def notify_benches(make_org) -> None:
    from tilli.test import UserFactory, add_member

    organization = make_org("Outbox Bench")
    member = add_member(organization, "practitioner", UserFactory())
    _reminders(organization, member, COUNT)
    inbox, port = _Counter(), free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    saved = settings.MAILERS
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10}}}
    try:
        bare_s = _bare_loop(port, COUNT)
        with tqdm(total=COUNT, desc="outbox", unit="msg", file=sys.stderr, leave=False) as bar:
            start = time.perf_counter()
            totals = deliver(progress=bar.update)
            outbox_s = time.perf_counter() - start
    finally:
        server.stop()
        settings.MAILERS = saved
    sent = Message.objects.filter(organization=organization, status=MessageStatus.SENT).count()
    assert totals["sent"] == sent == COUNT, totals
    assert inbox.count == 2 * COUNT
    print(f"\nOutbox: {COUNT} reminders due at once to a local SMTP server (target: at least half the bare rate)")
    print(f"{'what':<44}{'msg/s':>12}{'bare msg/s':>12}{'ratio':>8}")
    print(f"{'deliver (claim, check, send, record)':<44}{COUNT / outbox_s:>12.0f}{COUNT / bare_s:>12.0f}"
          f"{bare_s / outbox_s:>8.2f}")
