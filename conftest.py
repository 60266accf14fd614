"""Shared fixtures: the two-organization world, signed-in clients, a real SMTP server."""

from __future__ import annotations

import time
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from hypothesis import settings as hypothesis_settings

from tilli.test import World, build_world, free_port

# Property tests check what holds for every input, not how fast one example runs: Hypothesis' default 200 ms
# deadline per example turns a busy machine (CI beside other jobs, two cores) into a failure of correct code.
hypothesis_settings.register_profile("tilli", deadline=None)
hypothesis_settings.load_profile("tilli")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in an earlier test may have switched the thread's
    active language (LocaleMiddleware activates, nothing deactivates), which would make tests order-dependent."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def client_for():
    """A Django test client signed in as a membership's user (MFA already satisfied)."""

    def make(membership) -> Client:
        client = Client()
        client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; Django's default mailer sends to it."""
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}
    try:
        yield inbox
    finally:
        controller.stop()
