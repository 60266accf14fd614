"""Moving and cancelling through the manage link (booking.online): the state and the deadline are checked under
the appointment's lock, in the service, so a change staff made a moment ago or a deadline just passed wins."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.models import AppointmentState
from booking.online import online_cancel, online_move
from booking.services import appointment_transition
from kernel.audit import Actor
from kernel.models import AuditEvent
from tilli.errors import Conflict
from tilli.test import book_appointment, make_client

CLIENT = Actor(kind="client", label="client")


@pytest.fixture
def appointment(world):
    return book_appointment(world.org, world.practitioner, make_client(world.org), days_ahead=3)


def test_the_client_cancels_before_the_deadline(appointment):
    assert online_cancel(appointment=appointment, actor=CLIENT).state == AppointmentState.CANCELLED


def test_after_the_deadline_nothing_changes_and_the_code_says_why(appointment):
    appointment.service.cancellation_hours = 24 * 30
    appointment.service.save()
    audits = AuditEvent.objects.count()
    for change in (lambda: online_cancel(appointment=appointment, actor=CLIENT),
                   lambda: online_move(appointment=appointment, start=appointment.start + timedelta(hours=1),
                                       actor=CLIENT)):
        with pytest.raises(Conflict) as refused:
            change()
        assert refused.value.code == "change_closed"
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.BOOKED and AuditEvent.objects.count() == audits


def test_a_cancellation_by_staff_a_moment_ago_is_seen_though_the_page_showed_the_booking(appointment):
    shown = type(appointment).objects.get(pk=appointment.pk)  # what the client's page loaded
    appointment_transition(appointment=appointment, to_state=AppointmentState.CANCELLED, actor=Actor.system("t"))
    with pytest.raises(Conflict) as refused:
        online_move(appointment=shown, start=shown.start + timedelta(hours=1), actor=CLIENT)
    assert refused.value.code == "wrong_state"
