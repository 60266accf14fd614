"""Input that used to answer 500: dates at the calendar's limits, oversized bodies, text no database can
store, and numbers beyond 64 bits. Each is a clear 4xx now."""

import json

import pytest
from django.test import Client as HttpClient

from api.services import api_token_create
from api.tests.test_api import call
from kernel.audit import Actor
from tilli.test import make_bookable

EDGES = [("9999-12-01", "9999-12-31"), ("0001-01-01", "0001-01-02"), ("9999-12-31", "9999-12-31")]
EDGE_STARTS = ["9999-12-31T23:30:00Z", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+05:00",
               "9999-12-31T23:59:59-05:00"]
PAGINATED = ["/clients", "/staff", "/audit-log", "/requests"]


@pytest.fixture
def setup(world):
    _, _staff, service = make_bookable(world.org, world.practitioner)
    token = api_token_create(membership=world.owner, name="t", actor=Actor.system("t"))[1]
    return world, service, token


def raw(path: str, body: bytes | str, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return HttpClient(raise_request_exception=False).generic("POST", f"/api/v1{path}", body,
                                                             content_type="application/json", headers=headers)


@pytest.mark.parametrize(("start", "end"), EDGES)
def test_availability_at_the_calendars_limits_is_a_422(setup, start, end):
    world, service, token = setup
    staff_side = call("GET", f"/availability?service={service.pk}&start={start}&end={end}", token)
    public = HttpClient().get(f"/api/v1/public/{world.org.slug}/availability?service={service.pk}"
                              f"&start={start}&end={end}")
    for response in (staff_side, public):
        assert response.status_code == 422
        assert "start" in json.dumps(response.json()["fields"])


@pytest.mark.parametrize("start", EDGE_STARTS)
def test_a_booking_at_the_calendars_limits_is_a_422(setup, start):
    world, service, token = setup
    staff_side = call("POST", "/appointments", token, {"service_id": service.pk, "start": start})
    public = HttpClient().post(f"/api/v1/public/{world.org.slug}/appointments", json.dumps({
        "service_id": service.pk, "start": start, "first_name": "Aino", "last_name": "Aalto",
        "email": "aino@example.test", "phone": "0401234567"}), content_type="application/json")
    for response in (staff_side, public):
        assert response.status_code == 422
        assert response.json()["fields"]["payload.start"] == ["Choose a date between 1900-01-01 and 2999-12-31."]


def test_a_json_body_over_the_upload_limit_is_a_413(setup, settings):
    _, _, token = setup
    body = json.dumps({"q": "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 80_000)})  # ~2.6 MB
    for path, bearer in (("/clients/search", token), ("/public/x/appointments", None)):
        response = raw(path, body, bearer)
        assert response.status_code == 413 and response.json()["code"] == "too_large"


@pytest.mark.parametrize(("path", "body"), [
    ("/clients", '{"first_name": "\\udc80", "last_name": "Aalto"}'),
    ("/clients/search", '{"q": "\\udc80"}'),
    ("/clients", '{"first_name": "Ai\\u0000no", "last_name": "Aalto"}'),
    ("/clients/search", b'{"q": "\xff"}'),
])
def test_text_no_database_can_store_is_a_400(setup, path, body):
    _, _, token = setup
    response = raw(path, body, token)
    assert response.status_code == 400 and response.json()["code"] == "bad_request"


@pytest.mark.parametrize("path", PAGINATED)
@pytest.mark.parametrize("name", ["limit", "offset"])
def test_pagination_beyond_64_bits_is_a_422(setup, path, name):
    _, _, token = setup
    response = call("GET", f"{path}?{name}={2**70}", token)
    assert response.status_code == 422 and name in response.json()["fields"]


def test_ids_and_a_search_limit_beyond_64_bits_are_422(setup):
    _, service, token = setup
    assert call("POST", "/clients/search", token, {"q": "a", "limit": 2**70}).status_code == 422
    assert call("POST", "/appointments", token, {"service_id": 2**70, "start": "2030-06-12T09:00:00Z"}
                ).status_code == 422
    assert call("GET", f"/availability?service={service.pk}&start=2030-06-12&end=2030-06-12&staff={2**70}",
                token).status_code == 422
