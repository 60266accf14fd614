"""The public booking page /b/<org>/: the whole flow with Django's test client, the client
record and marketing permissions, taken times, the signed manage link, the cancellation
window, the confirmation email with its calendar entry, and no personal data in any URL."""

from __future__ import annotations

import re
from datetime import UTC, time, timedelta
from html import unescape

import icalendar
import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from booking.models import Appointment, AppointmentState, Channel
from booking.notifications import manage_token
from booking.selectors import free_slots
from booking.services import appointment_book
from clients.models import Client, ClientSource, MarketingConsent
from kernel.audit import Actor
from tilli.test import make_bookable, make_client, with_proof, worker_after

SYSTEM = Actor.system("test")
PERSON = {"first_name": "Liisa", "last_name": "Lahtinen", "email": "Liisa.Lahtinen@Example.test",
          "phone": "040 765 4321", "wishes": "Lyhyeksi, kiitos"}
PRIVATE = ("Liisa", "Lahtinen", "liisa", "example.test", "765", "4321", "+358")


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def setup(world):
    location, staff, service = make_bookable(world.org, world.practitioner, duration=60)
    service.name = "Hieronta 60"
    service.save()
    location.address = "Aleksanterinkatu 1, Helsinki"
    location.save()
    return staff, service


@pytest.fixture
def visitor() -> Browser:
    visitor = Browser()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return visitor


def first_free(service, staff=None):
    today = timezone.localdate()
    slots = free_slots(service, today, today + timedelta(days=14), staff=staff)
    return slots[0]


def start_value(start) -> str:
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def links(html: str) -> list[str]:
    return [unescape(u) for u in re.findall(r'(?:href|action)="([^"]*)"', html)]


def book(visitor, org, service, staff, start, capture, **overrides):
    data = {**PERSON, "service": service.pk, "staff": staff.pk if staff else "any",
            "start": start if isinstance(start, str) else start_value(start), **with_proof(org), **overrides}
    with capture(execute=True), worker_after():
        return visitor.post(reverse("public_booking:details", args=[org.slug]), data)


def test_a_visitor_books_step_by_step_and_gets_an_email_with_a_calendar_entry(
        world, setup, visitor, smtp_server, django_capture_on_commit_callbacks):
    staff, service = setup
    org = world.org
    seen_urls: list[str] = []

    page = visitor.get(f"/b/{org.slug}/")
    assert page.status_code == 200 and "Hieronta 60" in page.content.decode()
    seen_urls += links(page.content.decode())
    times_url = next(u for u in links(page.content.decode()) if "/times/" in u)  # one staff member: step skipped

    slot = first_free(service)
    local_day = timezone.localtime(slot.start).date().isoformat()
    page = visitor.get(times_url + f"&week={local_day}&day={local_day}")
    html = page.content.decode()
    assert page.status_code == 200 and timezone.localtime(slot.start).strftime("%H:%M") in html
    seen_urls += links(html)
    details_url = next(u for u in links(html) if "/details/" in u)
    assert start_value(slot.start) in details_url

    page = visitor.get(details_url)
    assert page.status_code == 200 and 'name="email"' in page.content.decode()
    seen_urls += links(page.content.decode())

    response = book(visitor, org, service, staff, slot.start, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    seen_urls.append(response["Location"])
    page = visitor.get(response["Location"])
    html = page.content.decode()
    assert "Your booking is confirmed" in html and "Hieronta 60" in html
    seen_urls += links(html)

    appointment = Appointment.objects.get(organization=org)
    assert appointment.channel == Channel.ONLINE and appointment.start == slot.start
    assert appointment.wishes == "Lyhyeksi, kiitos" and appointment.state == AppointmentState.BOOKED
    client = appointment.client
    assert client.source == ClientSource.ONLINE and client.email == "liisa.lahtinen@example.test"
    assert client.phone == "+358407654321" and client.preferred_language == "en"  # the language booked in
    assert not MarketingConsent.objects.filter(client=client).exists()  # nothing ticked, nothing recorded

    messages = smtp_server.wait_for(2)
    message = next(m for m in messages if m["To"] == "liisa.lahtinen@example.test")
    assert org.name in message["Subject"]
    staff_note = next(m for m in messages if m["To"] != "liisa.lahtinen@example.test")  # the staff member is told
    assert staff_note["To"] == appointment.staff.membership.user.email
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    manage_path = re.search(r"http://[^/\s]+(/b/\S+)", body).group(1)
    seen_urls.append(manage_path)
    ics = next(p for p in message.walk() if p.get_content_type() == "text/calendar").get_payload(decode=True)
    event = next(iter(icalendar.Calendar.from_ical(ics).walk("VEVENT")))
    assert event.decoded("dtstart") == slot.start and event.decoded("dtstart").utcoffset() == timedelta(0)
    assert event.decoded("dtend") == slot.start + timedelta(minutes=60)
    assert str(event["uid"]) == f"appointment-{org.pk}-{appointment.pk}@127.0.0.1"
    assert b"DTSTART:" in ics and b"Z\r\n" in ics  # UTC form, no TZID

    page = visitor.get(manage_path)
    assert page.status_code == 200 and "Hieronta 60" in page.content.decode()
    seen_urls += links(page.content.decode())

    for url in seen_urls:
        for private in PRIVATE:
            assert private.lower() not in url.lower(), f"personal data in {url}"


def test_the_staff_step_offers_anyone_and_each_qualified_person(world, setup, visitor):
    staff, service = setup
    _, other, _ = make_bookable(world.org, world.reception)
    service.staff.add(other)
    html = visitor.get(f"/b/{world.org.slug}/").content.decode()
    staff_url = next(u for u in links(html) if "/staff/" in u)
    html = visitor.get(staff_url).content.decode()
    assert "Anyone available" in html and staff.name in html and other.name in html
    assert "staff=any" in html


def test_services_not_bookable_online_or_not_in_use_are_not_offered(world, setup, visitor):
    _, service = setup
    _, _, hidden = make_bookable(world.org, world.practitioner, duration=30, online_bookable=False)
    html = visitor.get(f"/b/{world.org.slug}/").content.decode()
    assert "Service 30" not in html
    assert visitor.get(f"/b/{world.org.slug}/times/?service={hidden.pk}").status_code == 404
    service.is_active = False
    service.save()
    assert visitor.get(f"/b/{world.org.slug}/times/?service={service.pk}").status_code == 404
    assert visitor.get("/b/no-such-org/").status_code == 404


def test_a_week_at_a_time_with_next_and_previous(world, setup, visitor):
    _, service = setup
    page = visitor.get(f"/b/{world.org.slug}/times/?service={service.pk}&staff=any")
    html = page.content.decode()
    assert "Next week" in html and 'rel="prev"' not in html  # no going back before today
    next_url = next(u for u in links(html) if "week=" in u and 'rel="next"' in html)
    html = visitor.get(re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")).content.decode()
    assert 'rel="prev"' in html and next_url


def test_marketing_permissions_are_recorded_per_channel_only_when_ticked(world, setup, visitor,
                                                                        django_capture_on_commit_callbacks):
    staff, service = setup
    response = book(visitor, world.org, service, staff, first_free(service).start,
                    django_capture_on_commit_callbacks, marketing_sms="on")
    assert response.status_code == 302
    consents = MarketingConsent.objects.filter(client__email="liisa.lahtinen@example.test")
    assert [(c.channel, c.granted, c.source) for c in consents] == [("sms", True, "online")]


def test_an_existing_client_with_the_same_email_and_phone_is_reused(world, setup, visitor,
                                                                    django_capture_on_commit_callbacks):
    staff, service = setup
    existing = make_client(world.org, first_name="Liisa", last_name="Lahtinen", email="liisa.lahtinen@example.test",
                           phone="0407654321")
    other_org_twin = make_client(world.other_org, email="liisa.lahtinen@example.test", phone="+358407654321")
    response = book(visitor, world.org, service, staff, first_free(service).start,
                    django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Appointment.objects.get().client == existing
    assert Client.objects.filter(organization=world.org).count() == 1
    assert other_org_twin.appointments.count() == 0
    # The same email with another phone is another client.
    slot = free_slots(service, timezone.localdate(), timezone.localdate() + timedelta(days=14))[1]
    book(visitor, world.org, service, staff, slot.start, django_capture_on_commit_callbacks, phone="0401112223")
    assert Client.objects.filter(organization=world.org).count() == 2


def test_validation_errors_are_shown_per_field_and_keep_what_was_typed(world, setup, visitor,
                                                                       django_capture_on_commit_callbacks):
    staff, service = setup
    response = book(visitor, world.org, service, staff, first_free(service).start,
                    django_capture_on_commit_callbacks, phone="12", email="not-an-address", wishes="Aamulla")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_phone_error"' in html and 'id="id_email_error"' in html
    assert 'value="Liisa"' in html and 'value="12"' in html and 'value="not-an-address"' in html
    assert "Aamulla" in html
    assert not Appointment.objects.exists() and not Client.objects.filter(organization=world.org).exists()


def test_validation_errors_follow_the_visitors_language(world, setup, django_capture_on_commit_callbacks):
    staff, service = setup
    finnish = Browser()  # no language chosen: the organization's (Finnish)
    html = book(finnish, world.org, service, staff, first_free(service).start, django_capture_on_commit_callbacks,
                first_name="").content.decode()
    assert 'lang="fi"' in html and 'id="id_first_name_error"' in html


def test_a_time_just_taken_is_answered_clearly_and_other_times_are_offered(world, setup, visitor,
                                                                            django_capture_on_commit_callbacks):
    staff, service = setup
    # 10:00 on a working day after today (hours 09-17): other times of that day stay free whatever the clock says.
    today = timezone.localdate()
    slot = next(s for s in free_slots(service, today + timedelta(days=1), today + timedelta(days=14))
                if timezone.localtime(s.start).time() == time(10))
    appointment_book(service=service, start=slot.start, client=None, channel=Channel.PHONE, actor=SYSTEM)
    response = book(visitor, world.org, service, staff, slot.start, django_capture_on_commit_callbacks)
    html = response.content.decode()
    assert response.status_code == 409
    assert "This time was just taken" in html
    assert 'type="radio" name="start"' in html and 'value="Liisa"' in html  # choose again, nothing retyped
    assert Appointment.objects.count() == 1 and not Client.objects.filter(organization=world.org).exists()
    other = re.search(r'name="start" value="([^"]+)"', html).group(1)
    response = book(visitor, world.org, service, staff, other, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and Appointment.objects.count() == 2


@pytest.fixture
def booked(world, setup, visitor, django_capture_on_commit_callbacks):
    staff, service = setup
    slot = free_slots(service, timezone.localdate() + timedelta(days=3), timezone.localdate() + timedelta(days=20))[0]
    book(visitor, world.org, service, staff, slot.start, django_capture_on_commit_callbacks)
    appointment = Appointment.objects.get()
    return appointment, reverse("public_booking:manage", args=[world.org.slug, manage_token(appointment)])


def test_the_manage_link_is_signed_and_only_for_its_organization(world, booked, visitor):
    appointment, url = booked
    assert visitor.get(url).status_code == 200
    token = manage_token(appointment)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert visitor.get(reverse("public_booking:manage", args=[world.org.slug, tampered])).status_code == 404
    assert visitor.get(reverse("public_booking:manage", args=[world.other_org.slug, token])).status_code == 404
    assert visitor.post(reverse("public_booking:cancel", args=[world.other_org.slug, token])).status_code == 404
    assert visitor.get(reverse("public_booking:manage", args=[world.org.slug, "nonsense"])).status_code == 404
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.BOOKED


def test_cancelling_before_the_deadline_frees_the_time_and_sends_an_email(world, booked, visitor, smtp_server):
    appointment, url = booked
    with worker_after():
        response = visitor.post(url + "cancel/", {"confirm": "yes"}, follow=True)
    assert "Your booking was cancelled." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.CANCELLED
    message = smtp_server.wait_for(1)[-1]
    assert _subject(message) == _in("en", "Your booking at %(organization)s was cancelled", world)


def test_neither_the_link_nor_a_single_tap_cancels_a_confirmation_page_does(world, booked, visitor):
    appointment, url = booked
    manage = visitor.get(url).content.decode()
    cancel_url = url + "cancel/"
    assert f'href="{cancel_url}"' in manage and f'action="{cancel_url}"' not in manage  # a link to a question
    page = visitor.get(cancel_url)
    html = page.content.decode()
    assert page.status_code == 200 and "Cancel the booking?" in html and "Yes, cancel the booking" in html
    assert 'name="confirm" value="yes"' in html and "csrfmiddlewaretoken" in html
    assert "Cancel the booking?" in visitor.post(cancel_url).content.decode()  # unconfirmed: the question again
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.BOOKED
    strict = Browser(enforce_csrf_checks=True)
    assert strict.post(cancel_url, {"confirm": "yes"}).status_code == 403  # and never from another site
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.BOOKED


def test_after_the_deadline_the_page_says_why_and_shows_the_contact(world, booked, visitor):
    appointment, url = booked
    world.org.privacy_contact_phone = "+358 9 123 4567"
    world.org.save()
    appointment.service.cancellation_hours = 24 * 60
    appointment.service.save()
    html = visitor.get(url).content.decode()
    assert "could be cancelled or moved online until" in html and "+358 9 123 4567" in html
    assert "Cancel the booking" not in html
    response = visitor.post(url + "cancel/", {"confirm": "yes"}, follow=True)
    assert "has passed" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.BOOKED


def test_moving_to_another_free_time_is_confirmed_on_its_own_page(world, booked, visitor, smtp_server):
    appointment, url = booked
    html = visitor.get(url).content.decode()
    choices = [u for u in links(html) if "/move/?start=" in u]
    assert choices and not any(start_value(appointment.start) in u for u in choices)  # current time not offered
    assert 'aria-current="true"' in html
    before = appointment.start
    page = visitor.get(choices[0])  # one tap on a time asks first
    target = re.search(r'name="start" value="([^"]+)"', page.content.decode()).group(1)
    assert page.status_code == 200 and "Move the booking?" in page.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == before
    assert "Move the booking?" in visitor.post(url + "move/", {"start": target}).content.decode()  # unconfirmed
    appointment.refresh_from_db()
    assert appointment.start == before
    with worker_after():
        response = visitor.post(url + "move/", {"start": target, "confirm": "yes"}, follow=True)
    assert "Your booking was moved" in response.content.decode()
    appointment.refresh_from_db()
    assert start_value(appointment.start) == target
    assert _subject(smtp_server.wait_for(1)[-1]) == _in("en", "Your booking at %(organization)s was moved", world)


def test_moving_to_a_taken_time_says_so(world, booked, visitor):
    appointment, url = booked
    later = appointment.start + timedelta(hours=2)
    appointment_book(service=appointment.service, start=later, client=None, channel=Channel.PHONE, actor=SYSTEM)
    response = visitor.post(url + "move/", {"start": start_value(later), "confirm": "yes"}, follow=True)
    assert "This time was just taken" in response.content.decode()
    before = appointment.start
    appointment.refresh_from_db()
    assert appointment.start == before


def test_bookings_are_rate_limited_per_address(world, setup, visitor, settings, django_capture_on_commit_callbacks):
    staff, service = setup
    settings.PUBLIC_WRITES_PER_IP = 0
    response = book(visitor, world.org, service, staff, first_free(service).start, django_capture_on_commit_callbacks)
    assert response.status_code == 200 and "Too many requests" in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_details_page_without_a_valid_time_is_not_found(world, setup, visitor):
    _, service = setup
    url = reverse("public_booking:details", args=[world.org.slug])
    assert visitor.get(url, {"service": service.pk, "staff": "any"}).status_code == 404
    assert visitor.get(url, {"service": service.pk, "staff": "any", "start": "2026-11-30T09:00"}).status_code == 404
    assert visitor.get(url, {"service": service.pk, "staff": "999999", "start": "2026-11-30T09:00Z"}).status_code == 404


def _subject(message) -> str:
    from email.header import decode_header, make_header

    return str(make_header(decode_header(message["Subject"])))


def _in(language: str, msgid: str, world) -> str:
    """The email goes out in the language the client booked in (the visitor chose English)."""
    from django.utils import translation

    with translation.override(language):
        return translation.gettext(msgid) % {"organization": world.org.name}
