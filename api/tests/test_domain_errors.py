"""Every enumerated refusal code has one HTTP status, given by its kind, and the API answers with it."""

from __future__ import annotations

import pytest

from api.errors import status_for
from api.services import api_token_create
from api.tests.test_api import call
from booking.errors import BookingError
from booking.models import AppointmentState
from booking.services import appointment_transition
from clients.errors import ClientError
from clients.services import client_restrict
from kernel.audit import Actor
from privacy.errors import BreachError, ErasureError, RequestError
from tenancy.errors import TenancyError
from tilli.errors import Conflict, Forbidden, Invalid, NotFound
from tilli.test import book_appointment, make_bookable, make_client

ENUMERATIONS = (BookingError, ClientError, RequestError, ErasureError, BreachError, TenancyError)
STATUS = {Conflict: 409, Invalid: 422, Forbidden: 403, NotFound: 404}


@pytest.mark.parametrize("code", [code for enumeration in ENUMERATIONS for code in enumeration], ids=repr)
def test_each_code_maps_to_the_status_of_its_kind(code):
    error = code.kind(code, "message")
    assert error.code == str(code) and str(error) == "message"
    assert status_for(error) == STATUS[code.kind]


def test_a_state_conflict_is_409_and_bad_input_422():
    assert status_for(Conflict(RequestError.CLOSED, "closed")) == 409
    assert status_for(Invalid(BookingError.LENGTH_FIXED, "fixed")) == 422


def test_a_code_raised_as_the_wrong_kind_fails_loudly():
    with pytest.raises(TypeError):
        Invalid(BookingError.SLOT_TAKEN, "taken")


def test_cancelling_a_cancelled_appointment_answers_409_with_the_code(world):
    appointment = book_appointment(world.org, world.practitioner, make_client(world.org))
    appointment_transition(appointment=appointment, to_state=AppointmentState.CANCELLED, actor=Actor.system("t"))
    token = api_token_create(membership=world.reception, name="t", actor=Actor.system("t"))[1]
    answer = call("POST", f"/appointments/{appointment.pk}/cancel", token)
    assert answer.status_code == 409 and answer.json()["code"] == "wrong_state"
    assert "cancelled" in answer.json()["message"]


def test_a_restricted_client_cannot_be_booked_and_the_api_says_why(world):
    _location, _staff, service = make_bookable(world.org, world.practitioner)
    client = make_client(world.org)
    client_restrict(client=client, actor=Actor.system("t"), reason="Contests the data")
    token = api_token_create(membership=world.reception, name="t", actor=Actor.system("t"))[1]
    slots = call("GET", f"/availability?service={service.pk}&start=2030-01-07&end=2030-01-07", token).json()
    answer = call("POST", "/appointments", token, {"service_id": service.pk, "start": slots[0]["start"],
                                                    "client_id": client.pk, "channel": "phone"})
    assert answer.status_code == 409 and answer.json()["code"] == "restricted"
