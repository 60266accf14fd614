"""The cancellation message of a booking paid with a series card says that the visit went back on the card and
how many visits the card now has, in the client's language; a booking without a card says nothing of it."""

from __future__ import annotations

from email.header import decode_header, make_header

import pytest

from billing.series_booking import visits_given_back, voucher_release_visit
from billing.tests.checkout_kit import make_counter
from billing.tests.test_series_booking import PERSON, book, free_starts, series_card, staff_actor
from booking.models import AppointmentState
from booking.services import appointment_transition
from kernel.audit import Actor
from notify.models import Message
from notify.series_reactions import given_back_note
from tilli.test import worker_after

pytestmark = pytest.mark.django_db


def _cancelled_mail(smtp_server, appointment):
    message = Message.objects.get(appointment=appointment, kind="cancelled")
    for mail in smtp_server.wait_for(Message.objects.filter(channel="email", status="sent").count()):
        if str(make_header(decode_header(mail["Subject"]))) == message.subject:
            part = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("the cancellation was not mailed")


def test_the_cancellation_email_says_the_visit_went_back_on_the_card_in_the_clients_language(world, smtp_server):
    counter = make_counter(world)
    card = series_card(world.org, counter.service, visits=10, left=4)
    with worker_after():
        appointment = book(counter, card.code, free_starts(counter.service)[0])  # the visitor's language: Finnish
    with worker_after():
        appointment_transition(appointment=appointment, to_state=AppointmentState.CANCELLED, actor=staff_actor(world))
    card.refresh_from_db()
    assert card.visits_left == 4
    body = _cancelled_mail(smtp_server, appointment)
    assert "Varauksesi on peruttu" in body  # the Finnish cancellation itself
    assert f"Käynti palautettiin sarjakortillesi ({counter.service.name}). Kortilla on nyt jäljellä 4 käyntiä." in body
    assert card.code not in body  # the code is a secret: the card is named by its service


def test_in_swedish_and_polish_with_the_right_plural(world):
    counter = make_counter(world)
    card = series_card(world.org, counter.service, visits=10, left=2)
    appointment = book(counter, card.code, free_starts(counter.service)[0])
    appointment_transition(appointment=appointment, to_state=AppointmentState.CANCELLED, actor=staff_actor(world))
    assert "nu finns 2 besök kvar" in given_back_note(appointment, "sv")  # left 2, one taken: 1, given back: 2
    card.refresh_from_db()
    assert card.visits_left == 1  # the reaction has not run yet: the note already counts the visit coming back
    assert "pozostały teraz 2 wizyty" in given_back_note(appointment, "pl")
    assert "2 visits now left" in given_back_note(appointment, "en")


def test_the_note_is_the_same_before_and_after_the_visit_is_given_back(world):
    counter = make_counter(world)
    card = series_card(world.org, counter.service, visits=10, left=1)
    appointment = book(counter, card.code, free_starts(counter.service)[0])
    appointment_transition(appointment=appointment, to_state=AppointmentState.CANCELLED, actor=staff_actor(world))
    before = visits_given_back(organization_id=world.org.pk, appointment_id=appointment.pk)
    voucher_release_visit(organization_id=world.org.pk, appointment_id=appointment.pk, actor=Actor.system("test"))
    after = visits_given_back(organization_id=world.org.pk, appointment_id=appointment.pk)
    assert before == after == [(card, 1)]
    assert "1 visit now left on the card." in given_back_note(appointment, "en")


def test_a_cancellation_without_a_series_card_says_nothing_of_one(world, smtp_server):
    from booking.online import book_online

    counter = make_counter(world)
    series_card(world.org, counter.service)  # the client has a card but booked without it
    with worker_after():
        appointment = book_online(organization=world.org, service=counter.service, staff=None,
                                  start=free_starts(counter.service)[0], person=PERSON, ip="127.0.0.1", language="en")
    with worker_after():
        appointment_transition(appointment=appointment, to_state=AppointmentState.CANCELLED, actor=staff_actor(world))
    body = _cancelled_mail(smtp_server, appointment)
    assert "was cancelled" in body and "series card" not in body
