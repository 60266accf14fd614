"""/api/v1/public/{org}: services, availability and booking without an account."""

import datetime as dt

from django.core.cache import cache
from django.test import Client as HttpClient

from booking.models import Appointment
from clients.models import Client
from tilli.test import make_bookable, with_proof

DAY = dt.date.today() + dt.timedelta(days=14 - dt.date.today().weekday())


def _setup(world, **service_fields):
    _, staff, service = make_bookable(world.org, world.practitioner, **service_fields)
    return staff, service


def post(path, body, language="en"):
    import json

    return HttpClient().post(f"/api/v1/public/{path}", data=json.dumps(body), content_type="application/json",
                             headers={"Accept-Language": language})


def test_services_and_free_times_are_public(world):
    staff, service = _setup(world)
    _setup(world, online_bookable=False)
    services = HttpClient().get(f"/api/v1/public/{world.org.slug}/services").json()
    assert [s["id"] for s in services] == [service.pk] and services[0]["staff"][0]["id"] == staff.pk
    slots = HttpClient().get(f"/api/v1/public/{world.org.slug}/availability?service={service.pk}"
                             f"&start={DAY}&end={DAY}").json()
    assert len(slots) == 29


def test_a_visitor_books_and_the_same_time_then_answers_409(world):
    cache.clear()
    _staff, service = _setup(world)
    start = HttpClient().get(f"/api/v1/public/{world.org.slug}/availability?service={service.pk}"
                             f"&start={DAY}&end={DAY}").json()[3]["start"]
    body = {"service_id": service.pk, "start": start, "first_name": "Aino", "last_name": "Aalto",
            "email": "aino@example.test", "phone": "0401112233", "marketing_sms": True}
    first = post(f"{world.org.slug}/appointments", {**body, **with_proof(world.org)})
    assert first.status_code == 201 and "/b/" in first.json()["manage_url"]
    client = Client.objects.get(organization=world.org, email="aino@example.test")
    assert client.source == "online" and Appointment.objects.get(client=client).channel == "online"
    second = post(f"{world.org.slug}/appointments", {**body, **with_proof(world.org)})
    assert second.status_code == 409 and second.json()["code"] == "slot_taken"


def test_bad_details_are_422_per_field_and_nothing_is_stored(world):
    cache.clear()
    _staff, service = _setup(world)
    start = dt.datetime.combine(DAY, dt.time(12), dt.UTC).isoformat()
    body = {"service_id": service.pk, "start": start, "first_name": "A", "last_name": "B", "email": "x",
            "phone": "1", **with_proof(world.org)}
    response = post(f"{world.org.slug}/appointments", body)
    assert response.status_code == 422 and {"email", "phone"} <= set(response.json()["fields"])
    assert not Appointment.objects.exists()


def test_another_organizations_service_is_not_found(world):
    _, service = _setup(world)
    response = HttpClient().get(f"/api/v1/public/{world.other_org.slug}/availability?service={service.pk}"
                                f"&start={DAY}&end={DAY}")
    assert response.status_code == 404
