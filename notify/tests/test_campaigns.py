"""Marketing (B4, D6): only to clients who allowed the channel, are not restricted and have not
objected; the preview says why the others are left out; one-click unsubscribe works without signing in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as HttpClient
from django.utils import timezone

from clients.models import Channel, MarketingConsent
from clients.services import (
    client_object_to_marketing,
    client_restrict,
    marketing_allowed,
    marketing_consent_set,
    visit_create,
)
from kernel.audit import Actor
from notify.campaigns import audience, campaign_send
from notify.delivery import deliver
from notify.models import Campaign, Message, MessageStatus
from notify.unsubscribe import unsubscribe_token
from tilli.test import make_client

SYSTEM = Actor.system("test")


def _visited(client, days_ago=30):
    visit_create(client=client, actor=SYSTEM, visited_at=timezone.now() - dt.timedelta(days=days_ago))


def _allowed(client, channel=Channel.EMAIL):
    marketing_consent_set(client=client, channel=channel, granted=True, source="staff", actor=SYSTEM)


@pytest.fixture
def segment(world):
    """Six clients who visited this year, each a different case, and one who visited long ago."""
    c = {name: make_client(world.org, first_name=name, email=f"{name.lower()}@example.test")
         for name in ("Yes", "Also", "NoConsent", "Restricted", "Objected")}
    c["NoEmail"] = make_client(world.org, first_name="NoEmail", phone="0401111111")
    c["Old"] = make_client(world.org, first_name="Old", email="old@example.test")
    for name, client in c.items():
        _visited(client, days_ago=800 if name == "Old" else 30)
        if name not in ("NoConsent", "NoEmail"):
            _allowed(client)
    client_restrict(client=c["Restricted"], actor=SYSTEM, reason="Disputed")
    client_object_to_marketing(client=c["Objected"], actor=SYSTEM, source="staff")
    return c


@pytest.mark.django_db
def test_the_preview_counts_who_gets_it_and_why_the_others_do_not(world, segment):
    campaign = Campaign.objects.create(organization=world.org, name="Spring", channel="email",
                                       visited_within_days=365, subject="Spring offer", body="10 % off in April.")
    result = audience(campaign)
    assert {c.first_name for c in result.recipients} == {"Yes", "Also"}
    assert result.segment_size == 6  # "Old" visited too long ago
    assert dict(result.excluded) == {"no_permission": 1, "restricted": 1, "objected": 1, "no_address": 1}
    assert len(result.reasons()) == 4


@pytest.mark.django_db
def test_sending_queues_only_the_allowed_once_with_one_click_unsubscribe_headers(world, segment, smtp_server):
    campaign = Campaign.objects.create(organization=world.org, name="Spring", channel="email",
                                       subject="Spring offer", body="10 % off in April.")
    assert campaign_send(campaign=campaign, actor=SYSTEM) == 2
    with pytest.raises(ValidationError):
        campaign_send(campaign=campaign, actor=SYSTEM)  # once only
    # "Also" withdraws before delivery: checked again at send time.
    marketing_consent_set(client=segment["Also"], channel=Channel.EMAIL, granted=False, source="portal",
                          actor=SYSTEM)
    totals = deliver()
    assert (totals["sent"], totals["skipped"]) == (1, 1)
    message = smtp_server.wait_for(1)[0]
    assert message["To"] == "yes@example.test"
    url = "".join(message["List-Unsubscribe"].split()).strip("<>")  # unfolded, as mail clients read it
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.get_payload(decode=True).decode()
    path = url.split("://", 1)[1].split("/", 1)[1]

    # A mail client's one-click POST: no session, no CSRF token, and no name in the address.
    response = HttpClient(enforce_csrf_checks=True).post(f"/{path}", data="List-Unsubscribe=One-Click",
                                                         content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert "yes" not in path.lower() and "@" not in path
    assert not marketing_allowed(segment["Yes"], Channel.EMAIL)
    latest = MarketingConsent.objects.filter(client=segment["Yes"]).order_by("-recorded_at", "-pk").first()
    assert latest.source == "link" and not latest.granted
    assert Message.objects.filter(campaign=campaign, status=MessageStatus.SENT).count() == 1


@pytest.mark.django_db
def test_a_tampered_unsubscribe_link_does_nothing(world, segment):
    token = unsubscribe_token(segment["Yes"], Channel.EMAIL)
    assert HttpClient().post(f"/u/{token[:-2]}xx/").status_code == 404
    assert HttpClient().get(f"/u/{token}/").status_code == 200  # a page with a button, nothing changed yet
    assert marketing_allowed(segment["Yes"], Channel.EMAIL)


@pytest.mark.django_db
def test_an_sms_campaign_needs_sms_turned_on(world, segment):
    campaign = Campaign.objects.create(organization=world.org, name="Text", channel="sms", body="Hello")
    with pytest.raises(ValidationError) as error:
        campaign_send(campaign=campaign, actor=SYSTEM)
    assert error.value.code == "sms_disabled"


@pytest.mark.django_db
def test_a_long_unsubscribe_link_stays_one_readable_header(world, segment, smtp_server, settings):
    settings.SITE_URL = "https://varaukset.hyvin-pitka-salongin-nimi-esimerkki.example"
    campaign = Campaign.objects.create(organization=world.org, name="Long", channel="email", subject="Offer",
                                       body="Hello.")
    campaign_send(campaign=campaign, actor=SYSTEM)
    deliver()
    raw = smtp_server.wait_for(1)[0]["List-Unsubscribe"]
    assert "=?" not in raw and raw.startswith("<https://varaukset.hyvin-pitka") and raw.endswith("/>")
