"""A staff member's secret calendar address: their own appointments only, revocable."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from booking.models import Channel, Resource
from booking.services import appointment_book
from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent
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
    # By default the service and the first letter of the client's first name: the app's provider gets no name.
    assert len(events) == 1 and str(events[0]["summary"]).endswith(" – A.")
    assert "Anna" not in response.content.decode() and "Virtanen" not in response.content.decode()
    assert "Omistajan" not in response.content.decode()


@pytest.mark.parametrize(("detail", "summary"), [("service", "Service 60"), ("initial", "Service 60 – A."),
                                                  ("name", "Service 60 – Anna Virtanen")])
def test_the_staff_member_chooses_what_the_feed_shows_of_the_client(world, client_for, detail, summary):
    _book(world, world.practitioner, make_client(world.org, first_name="Anna", last_name="Virtanen"))
    address = _address(client_for, world, world.practitioner).replace("http://testserver", "")
    page = reverse("web:calendar_feed", kwargs={"org_slug": world.org.slug})
    response = client_for(world.practitioner).post(page, {"action": "detail", "detail": detail})
    assert response.status_code == 302
    [event] = Calendar.from_ical(Client().get(address).content).walk("VEVENT")
    assert str(event["summary"]) == summary and "wishes" not in str(event).lower()
    resource = Resource.objects.get(membership=world.practitioner)
    assert resource.feed_detail == detail
    changed = AuditEvent.objects.filter(organization=world.org, action=AuditAction.UPDATE,
                                        object_type="booking.resource", object_id=str(resource.pk))
    assert changed.count() == (0 if detail == "initial" else 1)  # choosing the default again changes nothing


def test_an_unknown_choice_is_refused_on_the_page_and_changes_nothing(world, client_for):
    _book(world, world.practitioner, None)
    page = reverse("web:calendar_feed", kwargs={"org_slug": world.org.slug})
    response = client_for(world.practitioner).post(page, {"action": "detail", "detail": "everything"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert Resource.objects.get(membership=world.practitioner).feed_detail == "initial"


def test_the_privacy_notice_says_what_the_feeds_in_use_show(world, client_for):
    from django.utils import translation

    from privacy.document_rendering import render_notice
    from privacy.documents import notice_facts, notice_is_current, publish_notice

    _book(world, world.practitioner, None)
    assert "staff_calendar_feeds" not in notice_facts(world.org)  # no feed, nothing to say
    _address(client_for, world, world.practitioner)
    publish_notice(organization=world.org, actor=Actor.system("t"))
    with translation.override("en"):
        text = render_notice(notice_facts(world.org), organization=world.org, language="en")
    assert "at most the time, the place, the service and the first letter of your first name" in text
    client_for(world.practitioner).post(reverse("web:calendar_feed", kwargs={"org_slug": world.org.slug}),
                                        {"action": "detail", "detail": "name"})
    assert not notice_is_current(world.org)  # the owner is asked to publish what the calendars now show
    with translation.override("en"):
        notice = render_notice(notice_facts(world.org), organization=world.org, language="en")
        assert "the service and your name" in notice


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


def test_the_feed_page_shows_its_choice_once_and_a_plain_title(world, client_for):
    _book(world, world.practitioner, make_client(world.org))
    page = reverse("web:calendar_feed", kwargs={"org_slug": world.org.slug})
    html = client_for(world.practitioner).get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    title = html[html.index("<title>"):html.index("</title>")]
    assert "<form" not in title and "csrfmiddlewaretoken" not in title
    assert html.count('name="action" value="detail"') == 1
