"""A staff member's secret calendar address: their own appointments only, revocable."""

import datetime as dt

from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from booking.models import Channel
from booking.services import appointment_book
from privacy.audit import Actor
from tilli.test import make_bookable, make_client


def _book(world, membership, client):
    _, staff, service = make_bookable(world.org, membership)
    start = dt.datetime.combine(dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday() + 7),
                                dt.time(10), dt.UTC)
    appointment_book(service=service, start=start, client=client, channel=Channel.STAFF, actor=Actor.system("t"))
    return staff


def _address(client_for, world, membership) -> str:
    response = client_for(membership).post(reverse("web:calendar_feed", kwargs={"org_slug": world.org.slug}),
                                           {"action": "create"})
    return response.context["address"]


def test_the_feed_lists_the_members_own_appointments_without_wishes(world, client_for):
    anna = make_client(world.org)
    _book(world, world.practitioner, anna)
    _book(world, world.owner, make_client(world.org, first_name="Otto", last_name="Omistajan"))
    address = _address(client_for, world, world.practitioner)
    response = Client().get(address.replace("http://testserver", ""))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    events = [c for c in Calendar.from_ical(response.content).walk("VEVENT")]
    assert len(events) == 1 and "Anna Virtanen" in str(events[0]["summary"])
    assert "Omistajan" not in response.content.decode()


def test_a_new_address_stops_the_old_one_and_revoking_stops_both(world, client_for):
    _book(world, world.practitioner, None)
    first = _address(client_for, world, world.practitioner).replace("http://testserver", "")
    second = _address(client_for, world, world.practitioner).replace("http://testserver", "")
    assert Client().get(first).status_code == 404 and Client().get(second).status_code == 200
    client_for(world.practitioner).post(reverse("web:calendar_feed", kwargs={"org_slug": world.org.slug}),
                                        {"action": "revoke"})
    assert Client().get(second).status_code == 404


def test_a_member_without_a_bookable_resource_has_no_feed_page(world, client_for):
    assert client_for(world.reception).get(reverse("web:calendar_feed",
                                                   kwargs={"org_slug": world.org.slug})).status_code == 404
