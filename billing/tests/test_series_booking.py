"""A series card used when booking online: a visit held by the booking, given back on cancellation only,
paid (not taken again) at the checkout, refused for a card that cannot pay, never spent twice by a race."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from billing.models import SaleTender, TenderMethod, Voucher, VoucherKind, VoucherUse
from billing.sales import LineInput, TenderInput
from billing.series_booking import (
    held_card,
    usable_series_card,
    voucher_release_visit,
    voucher_take_visit,
)
from billing.tests.checkout_kit import make_counter, sell
from billing.tests.test_sales_concurrency import run_in_threads
from billing.vouchers import voucher_issue
from booking.models import Appointment, AppointmentState
from booking.selectors import free_slots
from booking.services import appointment_transition
from kernel.audit import Actor
from kernel.models import AuditEvent, EventRecord
from notify.series_reactions import book_online_with_card
from tilli.errors import Conflict, Invalid
from tilli.test import make_bookable, worker_after

PERSON = {"first_name": "Liisa", "last_name": "Lahtinen", "email": "liisa@example.test", "phone": "040 765 4321"}


def series_card(organization, service, *, visits=10, left=None, value=Decimal("450.00"), expires_on=None) -> Voucher:
    with transaction.atomic():
        card = voucher_issue(organization=organization, kind=VoucherKind.SERIES_CARD, value=value, currency="EUR",
                             service=service, visits=visits, expires_on=expires_on)
    if left is not None:
        Voucher.objects.filter(pk=card.pk).update(visits_left=left)
        card.refresh_from_db()
    return card


def free_starts(service, count=2):
    """`count` free starts that do not overlap (two hours apart at least)."""
    today = timezone.localdate()
    starts = []
    for slot in free_slots(service, today + timedelta(days=1), today + timedelta(days=8)):
        if not starts or slot.start >= starts[-1] + timedelta(hours=2):
            starts.append(slot.start)
    return starts[:count]


def book(counter, card_code, start):
    return book_online_with_card(organization=counter.org, service=counter.service, staff=None, start=start,
                                 person=PERSON, card_code=card_code, ip="127.0.0.1", language="fi")


def staff_actor(world):
    return Actor(kind="user", user_id=world.reception.user_id, role=world.reception.role)


@pytest.fixture
def counter(world):
    return make_counter(world)


def test_booking_with_the_card_holds_one_visit_with_an_audit_row_and_an_event(world, counter):
    card = series_card(world.org, counter.service)
    with worker_after():
        appointment = book(counter, card.code.lower().replace("-", " "), free_starts(counter.service)[0])
    card.refresh_from_db()
    assert card.visits_left == 9
    use = VoucherUse.objects.get(voucher=card)
    assert (use.visits, use.amount, use.appointment_id, use.tender_id) == (-1, Decimal("-45.00"), appointment.pk, None)
    assert held_card(organization_id=world.org.pk, appointment_id=appointment.pk) == card
    audit = AuditEvent.objects.filter(object_type="billing.voucher", object_id=str(card.pk)).get()
    assert audit.detail["appointment"] == appointment.pk and card.code not in str(audit.detail)
    event = EventRecord.objects.get(name="billing.series_visit_taken")
    assert event.payload["appointment_id"] == appointment.pk and card.code not in str(event.payload)
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.BOOKED  # completing or a no-show would keep the visit


@pytest.mark.parametrize("state", [AppointmentState.COMPLETED, AppointmentState.NO_SHOW])
def test_a_completed_or_missed_visit_keeps_its_visit(world, counter, state):
    card = series_card(world.org, counter.service)
    appointment = book(counter, card.code, free_starts(counter.service)[0])
    with worker_after():
        appointment_transition(appointment=appointment, to_state=state, actor=staff_actor(world))
    card.refresh_from_db()
    assert card.visits_left == 9


def test_staff_cancelling_gives_the_visit_back_once(world, counter):
    card = series_card(world.org, counter.service)
    appointment = book(counter, card.code, free_starts(counter.service)[0])
    with worker_after():
        appointment_transition(appointment=appointment, to_state=AppointmentState.CANCELLED, actor=staff_actor(world))
    card.refresh_from_db()
    assert card.visits_left == 10
    assert sorted(VoucherUse.objects.filter(voucher=card).values_list("visits", flat=True)) == [-1, 1]
    assert held_card(organization_id=world.org.pk, appointment_id=appointment.pk) is None
    # the reaction running again (at least once delivery) gives nothing more back
    assert voucher_release_visit(organization_id=world.org.pk, appointment_id=appointment.pk,
                                 actor=Actor.system("test")) == []
    card.refresh_from_db()
    assert card.visits_left == 10


@pytest.mark.parametrize(("change", "code"), [
    ({"voided_at": timezone.now()}, "series_card_void"),
    ({"expires_on": dt.date(2020, 1, 1)}, "series_card_expired"),
    ({"visits_left": 0}, "series_card_used_up"),
])
def test_a_card_that_cannot_pay_is_refused_and_nothing_is_booked(world, counter, change, code):
    card = series_card(world.org, counter.service)
    Voucher.objects.filter(pk=card.pk).update(**change)
    with pytest.raises((Invalid, Conflict)) as refused:
        book(counter, card.code, free_starts(counter.service)[0])
    assert refused.value.code == code and card.code not in str(refused.value)
    assert not Appointment.objects.exists()


def test_an_unknown_code_another_service_a_gift_card_or_another_salons_card_are_refused(world, counter):
    _l, _r, other_service = make_bookable(world.org, world.practitioner, duration=30)
    start = free_starts(counter.service)[0]
    with pytest.raises(Invalid) as refused:
        book(counter, "AAAA-BBBB-CCCC", start)
    assert refused.value.code == "series_card_unknown"
    with pytest.raises(Invalid) as refused:
        book(counter, series_card(world.org, other_service).code, start)
    assert refused.value.code == "series_card_service"
    with transaction.atomic():
        gift = voucher_issue(organization=world.org, kind=VoucherKind.GIFT_CARD, value=Decimal("50"), currency="EUR")
    with pytest.raises(Invalid) as refused:
        book(counter, gift.code, start)
    assert refused.value.code == "series_card_unknown"
    other = make_counter(world, organization=world.other_org)
    foreign = series_card(world.other_org, other.service)
    with pytest.raises(Invalid) as refused:
        usable_series_card(organization=world.org, code=foreign.code, service_id=counter.service.pk)
    assert refused.value.code == "series_card_unknown"
    assert not Appointment.objects.exists()


def test_taking_a_visit_checks_again_under_the_lock(world, counter):
    card = series_card(world.org, counter.service, left=1)
    appointment = book(counter, card.code, free_starts(counter.service)[0])
    with pytest.raises(Conflict) as refused:
        voucher_take_visit(voucher=card, appointment_id=appointment.pk, service_id=counter.service.pk,
                           actor=Actor.system("test"))  # `card` in memory still says one visit left
    assert refused.value.code == "series_card_used_up"


def test_at_checkout_the_held_visit_pays_and_is_not_taken_twice(world, counter):
    card = series_card(world.org, counter.service)
    appointment = book(counter, card.code, free_starts(counter.service)[0])
    with worker_after():
        sale = sell(counter, lines=[LineInput(kind="service", service=counter.service)],
                    tenders=[TenderInput(method=TenderMethod.SERIES_CARD, code=card.code)], appointment=appointment)
    card.refresh_from_db()
    assert card.visits_left == 9  # one visit in all: the one held at booking
    tender = SaleTender.objects.get(sale=sale)
    assert tender.amount == Decimal("49.00")
    assert list(VoucherUse.objects.filter(voucher=card).values_list("visits", "tender_id")) == [(-1, tender.pk)]
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.COMPLETED
    assert held_card(organization_id=world.org.pk, appointment_id=appointment.pk) is None
    # a later sale of the same service on the card takes a visit as usual
    sell(counter, tenders=[TenderInput(method=TenderMethod.SERIES_CARD, code=card.code)])
    card.refresh_from_db()
    assert card.visits_left == 8


@pytest.mark.django_db(transaction=True)
def test_two_bookings_race_for_the_last_visit_one_wins_the_other_books_nothing(world):
    counter = make_counter(world)
    card = series_card(world.org, counter.service, left=1)
    chosen = free_starts(counter.service, 2)
    results, errors = run_in_threads(2, lambda: book(counter, card.code, chosen.pop()))
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], Conflict) and errors[0].code == "series_card_used_up"
    assert list(Appointment.objects.values_list("pk", flat=True)) == [results[0].pk]
    card.refresh_from_db()
    assert card.visits_left == 0
    assert list(VoucherUse.objects.filter(voucher=card).values_list("visits", "appointment_id")) == [
        (-1, results[0].pk)]


def test_a_checkout_paid_otherwise_gives_the_held_visit_back_but_a_products_only_sale_does_not(world, counter):
    card = series_card(world.org, counter.service)
    appointment = book(counter, card.code, free_starts(counter.service)[0])
    sell(counter, lines=[LineInput(kind="product", product=counter.product)],
         tenders=[TenderInput(method="card", amount=Decimal("12.90"))], appointment=appointment)
    card.refresh_from_db()
    assert card.visits_left == 9  # the service is not on this sale: the visit stays held
    sell(counter, tenders=[TenderInput(method="card", amount=Decimal("49.00"))], appointment=appointment)
    card.refresh_from_db()
    assert card.visits_left == 10  # the service was paid by card: the card's visit is back
    assert held_card(organization_id=world.org.pk, appointment_id=appointment.pk) is None
    assert EventRecord.objects.filter(name="billing.series_visit_released").count() == 1
