"""POST /clients refuses a person the register already has (the panel's rule, clients.merging): 409
`possible_duplicate` with the candidates' ids, unless the caller says `allow_duplicate: true`."""

import pytest
from django.test import Client as Browser

from api.tests.test_api import call
from clients.models import Client
from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent
from tilli.test import make_client

AINO = {"first_name": "Aino", "last_name": "Aalto", "phone": "+358401112233"}


@pytest.fixture
def token(world):
    from api.services import api_token_create

    return api_token_create(membership=world.reception, name="t", actor=Actor.system("t"))[1]


def _creations(world) -> int:
    return AuditEvent.objects.for_organization(world.org).filter(action=AuditAction.CREATE,
                                                                 object_type="clients.client").count()


def test_a_person_with_the_same_name_and_phone_is_a_409_naming_the_existing_client(world, token):
    existing = make_client(world.org, **AINO)
    clients, created = Client.objects.count(), _creations(world)

    # The name in the other order and case, the phone typed another way: the same person at the desk.
    response = call("POST", "/clients", token, {"first_name": "AINO", "last_name": "aalto",
                                                "phone": "040 111 2233", "email": "aino@example.test"})

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "possible_duplicate" and body["candidate_ids"] == [existing.pk]
    assert body["message"] == "A client with the same name and phone number is already in the register."
    assert (Client.objects.count(), _creations(world)) == (clients, created)  # nothing written


def test_allow_duplicate_creates_the_person_anyway(world, token):
    existing = make_client(world.org, **AINO)

    response = call("POST", "/clients", token, {**AINO, "allow_duplicate": True})

    assert response.status_code == 201
    assert response.json()["id"] != existing.pk
    assert Client.objects.for_organization(world.org).filter(last_name="Aalto").count() == 2


def test_another_phone_or_another_name_is_no_duplicate(world, token):
    make_client(world.org, **AINO)
    assert call("POST", "/clients", token, {**AINO, "phone": "+358401112234"}).status_code == 201
    assert call("POST", "/clients", token, {**AINO, "first_name": "Aila"}).status_code == 201


def test_a_client_of_another_organization_is_never_a_candidate(world, token):
    make_client(world.other_org, **AINO)
    response = call("POST", "/clients", token, AINO)
    assert response.status_code == 201
    assert "candidate_ids" not in response.json()


def test_every_candidate_is_named(world, token):
    first = make_client(world.org, **AINO)
    second = make_client(world.org, allow_duplicate=True, **AINO)
    response = call("POST", "/clients", token, AINO)
    assert response.status_code == 409 and response.json()["candidate_ids"] == [first.pk, second.pk]


def test_the_error_message_is_in_the_callers_language(world, token):
    make_client(world.org, **AINO)
    response = call("POST", "/clients", token, AINO, language="fi")
    assert response.status_code == 409
    assert response.json()["message"] != "A client with the same name and phone number is already in the register."


def test_openapi_documents_the_409_and_allow_duplicate(db):
    schema = Browser().get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/clients"]["post"]
    assert "possible_duplicate" in operation["description"]
    conflict = operation["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    assert set(schema["components"]["schemas"][conflict]["properties"]) >= {"code", "message", "candidate_ids"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    allow = schema["components"]["schemas"][body]["properties"]["allow_duplicate"]
    assert allow["type"] == "boolean" and allow["default"] is False
