"""Asking for a portal sign-in link must not tell who is a client: not by the answer, and not by its timing.

The mail server here is real (aiosmtpd on loopback) and as slow as a distant one (100 ms to accept a
message), so a link sent inside the request would make a client's address answer 100 ms later.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from django.test import Client as Browser
from django.urls import reverse

from notify.models import Message, MessagePurpose, MessageStatus
from tilli.test import free_port, make_client, run_worker

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 12


class _SlowInbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.1)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def slow_smtp(settings):
    inbox, port = _SlowInbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}
    try:
        yield inbox
    finally:
        controller.stop()


def _ask(world, email: str, n: int) -> float:
    browser = Browser(REMOTE_ADDR=f"192.0.2.{n}")
    began = time.perf_counter()
    response = browser.post(reverse("portal:start", args=[world.org.slug]), {"email": email})
    elapsed = time.perf_counter() - began
    assert response.status_code == 200
    return elapsed


def test_a_clients_address_answers_as_fast_as_an_unknown_one_and_the_worker_mails_the_link(world, slow_smtp):
    for i in range(ROUNDS):
        make_client(world.org, email=f"client{i}@example.test")
    _ask(world, "warm-up@example.test", 200)
    known, unknown = [], []
    for i in range(ROUNDS):  # interleaved, so drift of the machine's load hits both alike
        known.append(_ask(world, f"client{i}@example.test", 2 * i + 1))
        unknown.append(_ask(world, f"nobody{i}@example.test", 2 * i + 2))
    assert abs(statistics.median(known) - statistics.median(unknown)) < 0.025
    assert slow_smtp.messages == []  # nothing was sent inside a request
    assert not Message.objects.exists()  # nor looked up: the worker does that

    run_worker()
    assert sorted(m["To"] for m in slow_smtp.messages) == sorted(f"client{i}@example.test" for i in range(ROUNDS))
    assert world.org.name in str(make_header(decode_header(slow_smtp.messages[0]["From"])))  # the salon's mail
    body = slow_smtp.messages[0].get_payload(decode=True).decode()
    assert f"/p/{world.org.slug}/link/" in body
    sent = Message.objects.filter(purpose=MessagePurpose.SIGN_IN)
    assert sent.count() == ROUNDS and set(sent.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert set(sent.values_list("body", flat=True)) == {""}  # the link does not stay in the outbox
