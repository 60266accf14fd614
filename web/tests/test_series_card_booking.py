"""The public booking page and the public API with a series card: the code field, a visit held, a refusal
on the form in the visitor's language with nothing booked, the visit given back by the manage link's
cancellation, the checkout page already paid by the card, and the code never in a URL."""

from __future__ import annotations

import json
import re
from datetime import UTC, timedelta
from html import unescape

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from billing.models import TenderMethod, Voucher
from billing.tests.test_series_booking import series_card
from booking.models import Appointment, AppointmentState
from booking.notifications import manage_token
from booking.selectors import free_slots
from tilli.test import make_bookable, with_proof, worker_after

PERSON = {"first_name": "Liisa", "last_name": "Lahtinen", "email": "liisa@example.test", "phone": "040 765 4321",
          "wishes": ""}


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def salon(world):
    _location, staff, service = make_bookable(world.org, world.practitioner, duration=60)
    return staff, service


def visitor(language="en") -> Browser:
    browser = Browser()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return browser


def slot_start(service, days=3) -> str:
    today = timezone.localdate()
    start = free_slots(service, today + timedelta(days=days), today + timedelta(days=days + 10))[0].start
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def details_url(org, service, staff, start) -> str:
    return reverse("public_booking:details", args=[org.slug]) + f"?service={service.pk}&staff={staff.pk}&start={start}"


def post_details(browser, org, service, staff, start, **fields):
    data = {**PERSON, "service": service.pk, "staff": staff.pk, "start": start, **with_proof(org), **fields}
    with worker_after():
        return browser.post(reverse("public_booking:details", args=[org.slug]), data)


def test_the_code_field_shows_only_for_a_service_with_series_cards(world, salon):
    staff, service = salon
    start = slot_start(service)
    browser = visitor()
    assert 'name="card_code"' not in browser.get(details_url(world.org, service, staff, start)).content.decode()
    series_card(world.org, service)
    html = browser.get(details_url(world.org, service, staff, start)).content.decode()
    assert 'name="card_code"' in html and "Series card code (optional)" in html


def test_booking_with_the_card_holds_a_visit_and_cancelling_by_the_link_gives_it_back(world, salon, client_for):
    staff, service = salon
    card = series_card(world.org, service)
    browser = visitor()
    response = post_details(browser, world.org, service, staff, slot_start(service), card_code=card.code.lower())
    assert response.status_code == 302
    assert card.code.lower() not in response["Location"].lower()
    booked = unescape(browser.get(response["Location"]).content.decode())
    assert "Paid with one visit of your series card: 9 visits left on it." in booked and card.code not in booked
    appointment = Appointment.objects.get(organization=world.org)
    card.refresh_from_db()
    assert card.visits_left == 9

    # the checkout of the appointment is already paid by the card: its payment row names the card
    staff_browser = client_for(world.reception)
    checkout = staff_browser.get(reverse("web:checkout", kwargs={"org_slug": world.org.slug})
                                 + f"?appointment={appointment.pk}")
    html = checkout.content.decode()
    assert checkout.status_code == 200
    assert f'value="{TenderMethod.SERIES_CARD}" selected' in html and card.code in html

    manage = reverse("public_booking:manage", args=[world.org.slug, manage_token(appointment)])
    with worker_after():
        response = browser.post(manage + "cancel/", {"confirm": "yes"}, follow=True)
    assert "Your booking was cancelled." in response.content.decode()
    appointment.refresh_from_db()
    card.refresh_from_db()
    assert appointment.state == AppointmentState.CANCELLED and card.visits_left == 10


@pytest.mark.parametrize(("language", "message"), [
    ("en", "This series card has no visits left."),
    ("fi", "Tällä sarjakortilla ei ole käyntejä jäljellä."),
    ("sv", "Det finns inga besök kvar på det här klippkortet."),
    ("pl", "Na tym karnecie nie zostały już żadne wizyty."),
])
def test_a_used_up_card_shows_a_translated_error_and_books_nothing(world, salon, language, message):
    staff, service = salon
    card = series_card(world.org, service, left=0)
    Voucher.objects.filter(pk=card.pk).update(visits_left=0)
    series_card(world.org, service)  # another card keeps the field on the page
    response = post_details(visitor(language), world.org, service, staff, slot_start(service), card_code=card.code)
    html = unescape(response.content.decode())
    assert response.status_code == 200 and message in html
    assert not Appointment.objects.exists()
    card.refresh_from_db()
    assert card.visits_left == 0


def test_an_unknown_code_is_said_beside_the_field(world, salon):
    staff, service = salon
    series_card(world.org, service)
    response = post_details(visitor(), world.org, service, staff, slot_start(service), card_code="ZZZZ-ZZZZ-ZZZZ")
    html = unescape(response.content.decode())
    assert "No series card has this code. Check the code on your card." in html
    assert not Appointment.objects.exists()


def test_another_salons_card_does_not_pay_here(world, salon):
    staff, service = salon
    _l, _r, foreign_service = make_bookable(world.other_org, world.outsider, duration=60)
    foreign = series_card(world.other_org, foreign_service)
    series_card(world.org, service)
    response = post_details(visitor(), world.org, service, staff, slot_start(service), card_code=foreign.code)
    assert "No series card has this code." in unescape(response.content.decode())
    assert not Appointment.objects.exists()
    foreign.refresh_from_db()
    assert foreign.visits_left == 10


def test_each_code_attempt_counts_as_a_public_write(world, salon, settings):
    staff, service = salon
    series_card(world.org, service)
    settings.PUBLIC_WRITES_PER_IP = 2
    browser = visitor()
    for _attempt in range(2):
        post_details(browser, world.org, service, staff, slot_start(service), card_code="ZZZZ-ZZZZ-ZZZZ")
    response = post_details(browser, world.org, service, staff, slot_start(service), card_code="ZZZZ-ZZZZ-ZZZZ")
    assert "No series card has this code." not in unescape(response.content.decode())  # refused before the code
    assert not Appointment.objects.exists()


def api_post(org, body):
    return Browser().post(f"/api/v1/public/{org.slug}/appointments", data=json.dumps(body),
                          content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_the_public_api_books_with_the_card_and_refuses_a_bad_one_with_a_code(world, salon):
    staff, service = salon
    card = series_card(world.org, service, left=1)
    body = {"service_id": service.pk, "start": slot_start(service), "staff_id": staff.pk,
            **{k: v for k, v in PERSON.items() if k != "wishes"}}
    bad = api_post(world.org, {**body, "series_card_code": "ZZZZ-ZZZZ-ZZZZ", **with_proof(world.org)})
    assert bad.status_code == 422 and bad.json()["code"] == "series_card_unknown"
    ok = api_post(world.org, {**body, "series_card_code": card.code, **with_proof(world.org)})
    assert ok.status_code == 201
    assert card.code not in ok.content.decode()
    again = api_post(world.org, {**body, "start": slot_start(service, days=5), "series_card_code": card.code,
                                 **with_proof(world.org)})
    assert again.status_code == 409 and again.json()["code"] == "series_card_used_up"
    assert Appointment.objects.count() == 1
    assert re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", json.dumps(again.json())) is None


@pytest.mark.parametrize(("language", "text"), [
    ("fi", "kortilla on jäljellä 9 käyntiä"), ("sv", "9 besök kvar på det"), ("pl", "zostało na nim 9 wizyt")])
def test_the_confirmation_says_the_visit_was_paid_by_the_card_in_the_visitors_language(world, salon, language, text):
    staff, service = salon
    card = series_card(world.org, service)
    browser = visitor(language)
    response = post_details(browser, world.org, service, staff, slot_start(service), card_code=card.code)
    assert response.status_code == 302
    assert text in unescape(browser.get(response["Location"]).content.decode())
