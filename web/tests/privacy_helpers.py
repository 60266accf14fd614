"""Shared helpers of the privacy page tests."""

from __future__ import annotations

from django.urls import reverse

from kernel.audit import Actor
from privacy.models import RequestChannel
from privacy.requests import request_create
from tilli.test import PASSWORD

SYSTEM = Actor.system("test")


def url(world, name, **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": world.org.slug, **kwargs})


def english(client):
    client.cookies["django_language"] = "en"
    return client


def reauthenticate(client) -> None:
    """What allauth's "Confirm it is you" page records: the password, just now."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def make_request(world, client=None, kind="access", channel=RequestChannel.EMAIL, **kwargs):
    return request_create(organization=world.org, kind=kind, channel=channel, actor=SYSTEM, client=client,
                          **kwargs)
