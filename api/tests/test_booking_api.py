"""/api/v1 booking: services, availability, appointments with 409 for a taken time."""

import datetime as dt

import pytest

from api.services import api_token_create
from api.tests.test_api import call
from kernel.audit import Actor
from tilli.test import make_bookable, make_client


@pytest.fixture
def booking(world):
    _, staff, service = make_bookable(world.org, world.practitioner)
    token = api_token_create(membership=world.reception, name="t", actor=Actor.system("t"))[1]
    day = dt.date.today() + dt.timedelta(days=14 - dt.date.today().weekday())
    return staff, service, token, day


def test_services_and_availability(world, booking):
    staff, service, token, day = booking
    services = call("GET", "/services", token).json()
    assert [s["id"] for s in services] == [service.pk] and services[0]["staff_ids"] == [staff.pk]
    slots = call("GET", f"/availability?service={service.pk}&start={day}&end={day}", token).json()
    assert len(slots) == 29 and all(s["staff_id"] == staff.pk for s in slots)
    too_long = call("GET", f"/availability?service={service.pk}&start={day}&end={day + dt.timedelta(days=90)}", token)
    assert too_long.status_code == 422


def test_booking_answers_201_then_409_for_the_same_time(world, booking):
    _staff, service, token, day = booking
    client = make_client(world.org)
    start = call("GET", f"/availability?service={service.pk}&start={day}&end={day}", token).json()[4]["start"]
    body = {"service_id": service.pk, "start": start, "client_id": client.pk, "channel": "phone"}
    first = call("POST", "/appointments", token, body)
    assert first.status_code == 201 and first.json()["state"] == "booked"
    second = call("POST", "/appointments", token, body)
    assert second.status_code == 409 and second.json()["code"] == "slot_taken"


def test_cancel_frees_the_time_and_reschedule_moves_it(world, booking):
    _staff, service, token, day = booking
    slots = call("GET", f"/availability?service={service.pk}&start={day}&end={day}", token).json()
    made = call("POST", "/appointments", token, {"service_id": service.pk, "start": slots[0]["start"]}).json()
    moved = call("POST", f"/appointments/{made['id']}/reschedule", token, {"start": slots[8]["start"]})
    assert moved.status_code == 200 and moved.json()["start"].startswith(slots[8]["start"][:16])
    cancelled = call("POST", f"/appointments/{made['id']}/cancel", token)
    assert cancelled.json()["state"] == "cancelled"
    again = call("POST", "/appointments", token, {"service_id": service.pk, "start": slots[8]["start"]})
    assert again.status_code == 201


def test_the_accountant_cannot_book(world, booking):
    _, service, _, day = booking
    token = api_token_create(membership=world.accountant, name="t", actor=Actor.system("t"))[1]
    assert call("GET", f"/availability?service={service.pk}&start={day}&end={day}", token).status_code == 403


def test_staff_list_tells_each_members_bookable_resource(world, booking):
    staff, _, token, _ = booking
    items = {i["id"]: i for i in call("GET", "/staff?limit=50", token).json()["items"]}
    assert items[world.practitioner.pk]["resource_id"] == staff.pk
    assert items[world.reception.pk]["resource_id"] is None


def test_staff_cannot_claim_a_booking_was_made_online_by_the_client(world, booking):
    from booking.models import Appointment

    _staff, service, token, day = booking
    start = call("GET", f"/availability?service={service.pk}&start={day}&end={day}", token).json()[4]["start"]
    claimed = call("POST", "/appointments", token, {"service_id": service.pk, "start": start, "channel": "online",
                                                    "client_id": make_client(world.org).pk})
    assert claimed.status_code == 422 and "channel" in claimed.json()["fields"]
    assert not Appointment.objects.exists()
