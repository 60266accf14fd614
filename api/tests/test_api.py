"""The JSON API: token auth, role checks, translated JSON errors, audited writes, OpenAPI."""

import json

import pytest
from django.core.management import call_command
from django.test import Client

from api.models import ApiToken
from api.services import api_token_create
from kernel.audit import Actor
from kernel.models import ActorKind, AuditAction, AuditEvent


@pytest.fixture
def token_for():
    def make(membership) -> str:
        return api_token_create(membership=membership, name="test", actor=Actor.system("test"))[1]

    return make


def call(method: str, path: str, token: str | None = None, body: dict | None = None, language: str = "en"):
    headers = {"Accept-Language": language}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body) if body is not None else None
    return Client().generic(method, f"/api/v1{path}", data=data or "", content_type="application/json",
                            headers=headers)


def test_me_tells_who_the_token_acts_as(world, token_for):
    response = call("GET", "/me", token_for(world.reception))
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == world.reception.user.email
    assert body["role"] == "reception" and body["organization"] == world.org.slug
    assert "view_audit_log" not in body["permissions"]


def test_a_token_is_stored_only_as_a_hash(world):
    token, secret = api_token_create(membership=world.owner, name="n", actor=Actor.system("t"))
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in {stored.token_hash, stored.prefix}
    assert secret.startswith(stored.prefix) and len(stored.prefix) < 12


def test_a_forbidden_operation_answers_with_a_code_and_a_translated_message(world, token_for):
    token = token_for(world.reception)
    response = call("GET", "/audit-log", token, language="fi")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    english = call("GET", "/audit-log", token, language="en").json()["message"]
    assert english == "Your role does not allow this."
    assert response.json()["message"] != english  # the Finnish catalog answers


def test_the_owner_patches_the_organization_and_the_api_write_is_audited(world, token_for):
    response = call("PATCH", "/organization", token_for(world.owner), {"city": "Tampere"})
    assert response.status_code == 200 and response.json()["city"] == "Tampere"
    event = AuditEvent.objects.for_organization(world.org).order_by("-seq").first()
    assert (event.action, event.actor_kind, event.changed_fields) == (AuditAction.UPDATE, ActorKind.API, ["city"])
    assert event.actor_user_id == world.owner.user.pk


def test_an_invalid_patch_names_the_field_and_changes_nothing(world, token_for):
    response = call("PATCH", "/organization", token_for(world.owner), {"business_id": "1234567-8", "city": "Oulu"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and "business_id" in body["fields"]
    world.org.refresh_from_db()
    assert world.org.city != "Oulu"


def test_a_malformed_body_is_a_422_json_error(world, token_for):
    response = call("PATCH", "/organization", token_for(world.owner), {"name": ["not", "a", "string"]})
    assert response.status_code == 422 and response.json()["code"] == "invalid"


def test_practitioners_cannot_change_the_organization(world, token_for):
    response = call("PATCH", "/organization", token_for(world.practitioner), {"city": "Turku"})
    assert response.status_code == 403


def test_staff_list_is_paginated_and_scoped(world, token_for):
    response = call("GET", "/staff?limit=2&offset=0", token_for(world.owner))
    body = response.json()
    assert body["count"] == 4 and len(body["items"]) == 2
    emails = {item["email"] for item in call("GET", "/staff?limit=50", token_for(world.owner)).json()["items"]}
    assert world.outsider.user.email not in emails


def test_audit_log_and_verification_for_the_owner(world, token_for):
    token = token_for(world.owner)
    log = call("GET", "/audit-log?limit=5", token).json()
    seqs = [item["seq"] for item in log["items"]]
    assert seqs == sorted(seqs, reverse=True) and log["count"] >= 5
    verification = call("GET", "/audit-log/verify", token).json()
    assert verification["ok"] is True and verification["head_seq"] == log["count"]


def test_openapi_schema_and_docs_are_served(world):
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Tilli API"
    assert {"/api/v1/me", "/api/v1/organization", "/api/v1/staff", "/api/v1/audit-log"} <= set(schema["paths"])
    assert Client().get("/api/v1/docs").status_code == 200


def test_create_api_token_command_prints_a_working_token(world, capsys):
    call_command("create_api_token", organization=world.org.slug, email=world.accountant.user.email)
    secret = capsys.readouterr().out.strip()
    assert call("GET", "/me", secret).json()["role"] == "accountant"
