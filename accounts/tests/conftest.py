"""Fixtures and helpers of the accounts tests: a clean cache around every test, signing in,
sending an invitation through the real SMTP server, and reading the email."""

import re
from email.header import decode_header, make_header
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from tilli.test import totp_code, worker_after


@pytest.fixture(autouse=True)
def _clean_cache(db):
    # Rate-limit counters and used TOTP codes live in the database cache. Its rows survive
    # the flush after a transactional test, so the per-IP counters would leak into the next.
    cache.clear()
    yield
    cache.clear()


def sign_in(client, email: str, password: str, **extra):
    """POST the allauth sign-in form, as a browser would."""
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def mail_text(message) -> tuple[str, str]:
    """The decoded subject and body of a message received by the test SMTP server."""
    subject = str(make_header(decode_header(message["Subject"])))
    part = message.get_payload(decode=True)
    return subject, part.decode(message.get_content_charset() or "utf-8")


def accept_path(body: str) -> str:
    """The path of the accept link in an invitation email."""
    match = re.search(r"(https?://\S+/accounts/invitations/[^/\s]+/)\s*$", body, re.MULTILINE)
    assert match, body
    assert match.group(1).startswith(settings.SITE_URL.rstrip("/") + "/")
    return urlsplit(match.group(1)).path


@pytest.fixture
def invite(client_for, smtp_server):
    """Send an invitation the way an owner does (the staff page), through the outbox and the worker
    to the real SMTP server; returns (response, received message)."""
    def send(inviter, email: str, role: str):
        before = len(smtp_server.messages)
        with worker_after():
            response = client_for(inviter).post(
                reverse("web:staff", kwargs={"org_slug": inviter.organization.slug}),
                {"email": email, "role": role})
        if response.status_code != 302:
            return response, None
        return response, smtp_server.wait_for(before + 1)[before]

    return send


def translated(language: str, message: str) -> str:
    """A message as the app shows it in a language (the tests hold whatever the .po files say)."""
    with translation.override(language):
        return translation.gettext(message)


def current_code(secret: str) -> str:
    return totp_code(secret)
