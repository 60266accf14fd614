"""Dates at the edges of Python's calendar (years 1 and 9999) in the public booking pages and the staff
calendar: never a server error, a clean refusal or today's calendar instead."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from booking.models import Appointment
from tilli.test import make_bookable

EDGE_STARTS = ["9999-12-31T23:30:00Z", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+05:00",
               "9999-12-31T23:59:59-05:00"]
EDGE_DAYS = ["9999-12-31", "9999-12-28", "0001-01-01"]
DETAILS = {"first_name": "Aino", "last_name": "Aalto", "email": "aino@example.test", "phone": "0401234567"}


@pytest.fixture
def bookable(world):
    _, staff, service = make_bookable(world.org, world.practitioner)
    return world, staff, service


def page():
    return HttpClient(raise_request_exception=False)


@pytest.mark.parametrize("start", EDGE_STARTS)
def test_the_public_details_step_refuses_a_start_at_the_limits(bookable, start):
    world, _, service = bookable
    url = reverse("public_booking:details", args=[world.org.slug])
    query = {"service": service.pk, "staff": "any", "start": start}
    assert page().get(url, query).status_code == 404  # as for any start that is not a bookable time
    assert page().post(url, {**query, **DETAILS}).status_code == 404
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("day", EDGE_DAYS)
def test_the_public_week_at_the_limits_shows_a_bookable_week(bookable, day):
    world, _, service = bookable
    response = page().get(reverse("public_booking:times", args=[world.org.slug]),
                          {"service": service.pk, "staff": "any", "week": day, "day": day})
    assert response.status_code == 200


@pytest.mark.parametrize("day", EDGE_DAYS)
@pytest.mark.parametrize("view", ["day", "week"])
def test_the_staff_calendar_at_the_limits_shows_today(bookable, client_for, day, view):
    world, staff, _ = bookable
    client = client_for(world.owner)
    client.raise_request_exception = False
    response = client.get(reverse("web:calendar", kwargs={"org_slug": world.org.slug}),
                          {"staff": staff.pk, "day": day, "view": view})
    assert response.status_code == 200
    new = client.get(reverse("web:calendar_new", kwargs={"org_slug": world.org.slug}), {"staff": staff.pk, "day": day})
    assert new.status_code == 200


@pytest.mark.parametrize("start", EDGE_STARTS)
def test_booking_from_the_staff_calendar_at_the_limits_is_refused(bookable, client_for, start):
    world, staff, service = bookable
    client = client_for(world.owner)
    client.raise_request_exception = False
    response = client.post(reverse("web:calendar_new", kwargs={"org_slug": world.org.slug}),
                           {"staff": staff.pk, "service": service.pk, "start": start})
    assert response.status_code == 409 and not Appointment.objects.exists()
