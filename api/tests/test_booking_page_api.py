"""/api/v1/booking-page: the owner reads and changes the page's settings; other roles and other
organizations cannot; bad input answers 422 with the field, never 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from api.services import api_token_create
from booking.models import BookingPage
from booking.page import booking_page_update
from kernel.audit import Actor
from kernel.models import ActorKind, AuditEvent


@pytest.fixture
def token_for():
    def make(membership) -> str:
        return api_token_create(membership=membership, name="test", actor=Actor.system("test"))[1]

    return make


def call(method: str, token: str, body=None, language: str = "en"):
    headers = {"Accept-Language": language, "Authorization": f"Bearer {token}"}
    data = json.dumps(body) if body is not None else ""
    return Client().generic(method, "/api/v1/booking-page", data=data, content_type="application/json",
                            headers=headers)


def test_the_owner_reads_the_defaults_then_saves_and_reads_back(world, token_for):
    token = token_for(world.owner)
    before = call("GET", token).json()
    assert before["saved_at"] is None and before["embed_origin"] == "" and before["logo_url"] is None
    assert before["url"].endswith(f"/b/{world.org.slug}/")
    response = call("PATCH", token, {"accent_colour": "#2B4C7E", "embed_origin": "https://www.aurora.fi/",
                                     "description": {"fi": "Kampaamo", "en": "Hair salon"}})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accent_colour"] == "#2b4c7e" and body["embed_origin"] == "https://www.aurora.fi"
    assert body["description"] == {"fi": "Kampaamo", "en": "Hair salon"} and body["saved_at"]
    event = AuditEvent.objects.for_organization(world.org).filter(object_type="booking.bookingpage").get()
    assert event.actor_kind == ActorKind.API
    assert sorted(event.changed_fields) == ["accent_colour", "description", "embed_origin"]


@pytest.mark.parametrize("body, field", [
    ({"accent_colour": "#ffff00"}, "accent_text_colour"),
    ({"accent_colour": "blue"}, "accent_colour"),
    ({"embed_origin": "https://x.fi; script-src *"}, "embed_origin"),
    ({"description": {"xx": "Hi"}}, "description"),
    ({"description": {"fi": "a" * 2001}}, "description"),
])
def test_bad_settings_answer_422_naming_the_field_and_change_nothing(world, token_for, body, field):
    response = call("PATCH", token_for(world.owner), body, language="fi")
    assert response.status_code == 422, response.content
    answer = response.json()
    assert field in (answer.get("fields") or {}), answer
    assert not BookingPage.objects.filter(organization=world.org).exists()


def test_a_wrong_shape_answers_422_not_500(world, token_for):
    token = token_for(world.owner)
    for body in ({"description": "just text"}, {"accent_colour": 5}, {"description": {"fi": 7}}):
        assert call("PATCH", token, body).status_code == 422


@pytest.mark.parametrize("role", ["practitioner", "reception", "accountant"])
def test_only_the_owner_may_read_or_change_the_page(world, token_for, role):
    token = token_for(world.member(role))
    assert call("GET", token).status_code == 403
    assert call("PATCH", token, {"accent_colour": "#000000"}).status_code == 403
    assert not BookingPage.objects.exists()


def test_another_organizations_owner_reads_and_changes_only_their_own_page(world, token_for):
    booking_page_update(organization=world.org, actor=Actor.system("test"), embed_origin="https://www.aurora.fi",
                        description={"fi": "Salon Aurora"})
    outsider = token_for(world.outsider)
    read = call("GET", outsider).json()
    assert read["embed_origin"] == "" and "Salon Aurora" not in json.dumps(read)
    assert call("PATCH", outsider, {"embed_origin": "https://evil.example"}).status_code == 200
    ours = BookingPage.objects.get(organization=world.org)
    assert ours.embed_origin == "https://www.aurora.fi"
    assert BookingPage.objects.get(organization=world.other_org).embed_origin == "https://evil.example"
