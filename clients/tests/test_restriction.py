"""Restriction and objection (D4): a restricted client is stored but not used; an objection to
direct marketing takes effect at once on every channel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from booking.services import appointment_book
from clients.models import Channel, MarketingConsent
from clients.services import (
    client_lift_restriction,
    client_object_to_marketing,
    client_restrict,
    client_update,
    marketing_allowed,
    marketing_consent_set,
    visit_create,
)
from kernel.audit import Actor
from kernel.models import AuditEvent
from tilli.test import make_bookable, make_client

SYSTEM = Actor.system("test")


@pytest.mark.django_db
def test_a_restricted_client_cannot_be_edited_booked_or_marketed_to_until_lifted(world):
    client = make_client(world.org, email="r@example.test")
    marketing_consent_set(client=client, channel=Channel.EMAIL, granted=True, source="staff", actor=SYSTEM)
    with pytest.raises(ValidationError):
        client_restrict(client=client, actor=SYSTEM, reason="   ")
    client_restrict(client=client, actor=SYSTEM, reason="The client contests the accuracy of the data")
    assert client.is_restricted and not marketing_allowed(client, Channel.EMAIL)
    with pytest.raises(ValidationError) as error:
        client_update(client=client, actor=SYSTEM, city="Oulu")
    assert error.value.code == "restricted"
    with pytest.raises(ValidationError):
        visit_create(client=client, actor=SYSTEM, visited_at=timezone.now())
    with pytest.raises(ValidationError):
        marketing_consent_set(client=client, channel=Channel.SMS, granted=True, source="staff", actor=SYSTEM)
    _, resource, service = make_bookable(world.org, world.practitioner)
    start = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(ValidationError):
        appointment_book(service=service, start=start, client=client, channel="staff", actor=SYSTEM, staff=resource)

    client_lift_restriction(client=client, actor=SYSTEM)
    client_update(client=client, actor=SYSTEM, city="Oulu")
    assert marketing_allowed(client, Channel.EMAIL)  # the grant in force before the restriction applies again
    fields = [e.changed_fields for e in AuditEvent.objects.filter(subject_ref=client.subject_ref)]
    assert ["restricted_at", "restriction_reason"] in fields


@pytest.mark.django_db
def test_an_objection_withdraws_every_channel_at_once_until_the_client_grants_again(world):
    client = make_client(world.org, email="o@example.test", phone="0401234567")
    for channel in Channel.values:
        marketing_consent_set(client=client, channel=channel, granted=True, source="staff", actor=SYSTEM)
    client_object_to_marketing(client=client, actor=SYSTEM, source="portal")
    assert client.marketing_objection_at is not None
    assert not any(marketing_allowed(client, channel) for channel in Channel.values)
    latest = {c.channel: c for c in MarketingConsent.objects.filter(client=client).order_by("recorded_at", "pk")}
    assert all(not c.granted and c.source == "portal" for c in latest.values())
    marketing_consent_set(client=client, channel=Channel.SMS, granted=True, source="portal", actor=SYSTEM)
    client.refresh_from_db()
    assert client.marketing_objection_at is None
    assert marketing_allowed(client, Channel.SMS) and not marketing_allowed(client, Channel.EMAIL)
