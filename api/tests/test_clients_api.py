"""/api/v1/clients: search, create, read, update, access log and special-category records."""

import pytest

from api.tests.test_api import call
from clients.services import special_approval_set
from kernel.audit import Actor
from kernel.models import ActorKind, AuditAction, AuditEvent
from tilli.test import HETU, book_appointment, make_client


@pytest.fixture
def token_for():
    from api.services import api_token_create

    return lambda m: api_token_create(membership=m, name="t", actor=Actor.system("t"))[1]


def test_create_search_read_and_update_a_client(world, token_for):
    token = token_for(world.reception)
    created = call("POST", "/clients", token, {"first_name": "Aino", "last_name": "Aalto", "phone": "0401112233"})
    assert created.status_code == 201
    body = created.json()
    assert body["phone"] == "+358401112233" and body["national_id_masked"] == ""
    found = call("POST", "/clients/search", token, {"q": "aal"}).json()
    assert [item["id"] for item in found] == [body["id"]]
    assert [item["id"] for item in call("GET", "/clients", token).json()["items"]] == [body["id"]]
    read = call("GET", f"/clients/{body['id']}", token)
    assert read.json()["last_name"] == "Aalto"
    view = AuditEvent.objects.for_organization(world.org).filter(action=AuditAction.VIEW).order_by("-seq").first()
    assert view.actor_kind == ActorKind.API and view.object_id == str(body["id"])
    patched = call("PATCH", f"/clients/{body['id']}", token, {"city": "Lahti"})
    assert patched.json()["city"] == "Lahti"


def test_invalid_client_data_is_a_422_with_field_messages(world, token_for):
    response = call("POST", "/clients", token_for(world.reception), {"last_name": "X", "phone": "1"})
    assert response.status_code == 422
    assert "phone" in response.json()["fields"]


def test_the_national_id_is_masked_in_the_api(world, token_for):
    world.org.national_id_enabled = True
    world.org.save()
    client = make_client(world.org, national_id=HETU)
    body = call("GET", f"/clients/{client.pk}", token_for(world.owner)).json()
    assert HETU not in str(body) and body["national_id_masked"].endswith("T")


def test_the_access_log_is_for_the_owner(world, token_for):
    client = make_client(world.org)
    call("GET", f"/clients/{client.pk}", token_for(world.reception))
    log = call("GET", f"/clients/{client.pk}/access-log", token_for(world.owner)).json()
    actions = [item["action"] for item in log["items"]]
    assert actions[-1] == "create" and "view" in actions
    assert call("GET", f"/clients/{client.pk}/access-log", token_for(world.reception)).status_code == 404


def test_records_need_approval_and_are_only_for_the_treating_practitioner(world, token_for):
    client = make_client(world.org)
    book_appointment(world.org, world.practitioner, client)
    practitioner = token_for(world.practitioner)
    refused = call("POST", f"/clients/{client.pk}/records", practitioner, {"kind": "treatment", "body": "Knee"})
    assert refused.status_code == 409 and refused.json()["code"] == "approval_missing"
    special_approval_set(client=client, granted=True, source="staff", actor=Actor.system("t"))
    created = call("POST", f"/clients/{client.pk}/records", practitioner, {"kind": "treatment", "body": "Knee"})
    assert created.status_code == 201
    assert [r["body"] for r in call("GET", f"/clients/{client.pk}/records", practitioner).json()] == ["Knee"]
    assert call("GET", f"/clients/{client.pk}/records", token_for(world.reception)).status_code == 404
    assert call("GET", f"/clients/{client.pk}/records", token_for(world.owner)).status_code == 200
