"""Every appointment change publishes its event in its own transaction, with ids only."""

import datetime as dt

import pytest

from booking.services import SlotTaken, appointment_book, appointment_move, appointment_transition
from kernel.audit import Actor
from kernel.models import EventRecord
from tilli.test import book_appointment, make_client

pytestmark = pytest.mark.django_db

STAFF = Actor.system("test")


def names() -> list[str]:
    return list(EventRecord.objects.order_by("pk").values_list("name", flat=True))


def test_booking_moving_and_each_state_change_publish_an_event(world):
    client = make_client(world.org, email="aino@example.test")
    appointment = book_appointment(world.org, world.practitioner, client)
    booked = EventRecord.objects.get(name="booking.appointment_booked")
    assert booked.payload == {"organization_id": world.org.pk, "appointment_id": appointment.pk,
                              "client_id": client.pk, "revision": appointment.revision, "channel": "staff"}
    appointment_move(appointment=appointment, start=appointment.start + dt.timedelta(hours=2), actor=STAFF)
    appointment_transition(appointment=appointment, to_state="confirmed", actor=STAFF)
    appointment_transition(appointment=appointment, to_state="arrived", actor=STAFF)
    appointment_transition(appointment=appointment, to_state="completed", actor=STAFF)
    assert names()[-5:] == ["booking.appointment_booked", "booking.appointment_moved",
                            "booking.appointment_confirmed", "booking.appointment_arrived",
                            "booking.appointment_completed"]
    other = book_appointment(world.org, world.practitioner, client, days_ahead=2)
    appointment_transition(appointment=other, to_state="no_show", actor=STAFF)
    third = book_appointment(world.org, world.practitioner, client, days_ahead=3)
    appointment_transition(appointment=third, to_state="cancelled", actor=STAFF, reason="Ill")
    assert names()[-4:] == ["booking.appointment_booked", "booking.appointment_no_show",
                            "booking.appointment_booked", "booking.appointment_cancelled"]
    assert "Ill" not in str(EventRecord.objects.last().payload)


def test_a_refused_booking_publishes_nothing(world):
    client = make_client(world.org)
    appointment = book_appointment(world.org, world.practitioner, client)
    before = EventRecord.objects.count()
    with pytest.raises(SlotTaken):
        appointment_book(service=appointment.service, start=appointment.start, client=client, channel="staff",
                         actor=STAFF, staff=appointment.staff)
    assert EventRecord.objects.count() == before
