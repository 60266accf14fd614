"""Messages on the client's page and in the client portal, and the client's reminder choices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from booking.services import appointment_book
from clients.portal import SESSION_KEY
from clients.services import client_restrict, client_set_reminder_choices
from kernel.models import ActorKind, AuditAction, AuditEvent
from notify.models import Message, MessageChannel, MessagePurpose, MessageStatus, ReminderRule
from tilli.test import make_bookable, make_client, worker_after
from web.tests.messages_helpers import SYSTEM, english, make_message, url


@pytest.fixture
def aino(world):
    return make_client(world.org, first_name="Aino", last_name="Asiakas", email="aino@example.test",
                       phone="0401231234", preferred_language="en")


def _last_update(client):
    return AuditEvent.objects.for_organization(client.organization).filter(
        subject_ref=client.subject_ref, action=AuditAction.UPDATE).order_by("-seq").first()


# --- the service --------------------------------------------------------------------------------------------

def test_the_service_records_which_choices_changed(world, aino):
    assert client_set_reminder_choices(client=aino, actor=SYSTEM, by_email=True, by_sms=False) == ["reminders_by_sms"]
    aino.refresh_from_db()
    assert aino.reminders_by_email and not aino.reminders_by_sms
    assert _last_update(aino).changed_fields == ["reminders_by_sms"]
    assert client_set_reminder_choices(client=aino, actor=SYSTEM, by_email=True, by_sms=False) == []


def test_the_service_refuses_a_restricted_client(world, aino):
    client_restrict(client=aino, actor=SYSTEM, reason="Contests the data")
    with pytest.raises(Exception, match="restricted"):
        client_set_reminder_choices(client=aino, actor=SYSTEM, by_email=False, by_sms=False)
    aino.refresh_from_db()
    assert aino.reminders_by_email and aino.reminders_by_sms


def test_turning_reminders_off_cancels_the_queued_ones(world, aino):
    ReminderRule.objects.create(organization=world.org, hours_before=24, channel=MessageChannel.EMAIL)
    _, resource, service = make_bookable(world.org, world.practitioner)
    start = (timezone.now() + dt.timedelta(days=4)).replace(hour=8, minute=0, second=0, microsecond=0)
    with worker_after():
        appointment = appointment_book(service=service, start=start, client=aino, channel="staff", actor=SYSTEM,
                                       staff=resource)
    reminder = Message.objects.get(appointment=appointment, purpose=MessagePurpose.REMINDER)
    assert reminder.status == MessageStatus.QUEUED
    with worker_after():
        client_set_reminder_choices(client=aino, actor=SYSTEM, by_email=False, by_sms=True)
    reminder.refresh_from_db()
    assert reminder.status == MessageStatus.CANCELLED


# --- the client's page in the panel ------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["owner", "practitioner", "reception"])
def test_staff_who_serve_clients_see_the_messages_sent_to_them(world, client_for, aino, role):
    make_message(world.org, aino, kind="confirmed", purpose=MessagePurpose.TRANSACTIONAL, body="Booking text")
    make_message(world.org, aino, channel=MessageChannel.SMS, status=MessageStatus.QUEUED)
    make_message(world.org, aino, kind="staff_new_booking", purpose=MessagePurpose.STAFF,
                 recipient="staff@example.test")
    browser = english(client_for(world.member(role)))
    response = browser.get(url(world, "client_detail", client_id=aino.pk))
    html = response.content.decode()
    assert 'id="messages"' in html and "Booking confirmed" in html and "Waiting" in html
    assert len(response.context["client_messages"]["page"]) == 2  # not the note to staff
    assert "Booking text" not in html and "staff@example.test" not in html


def test_the_accountant_sees_no_messages(world, client_for, aino):
    make_message(world.org, aino)
    html = english(client_for(world.accountant)).get(url(world, "client_detail", client_id=aino.pk)).content.decode()
    assert 'id="messages"' not in html
    assert client_for(world.accountant).post(url(world, "client_reminders", client_id=aino.pk),
                                             {"by_email": "on"}).status_code == 404


@pytest.mark.parametrize("role", ["owner", "practitioner", "reception"])
def test_staff_change_the_reminder_choices_at_the_clients_request(world, client_for, aino, role):
    browser = english(client_for(world.member(role)))
    response = browser.post(url(world, "client_reminders", client_id=aino.pk), {"by_email": "on"})
    assert response.status_code == 302 and response["Location"].endswith("#messages")
    aino.refresh_from_db()
    assert aino.reminders_by_email and not aino.reminders_by_sms
    event = _last_update(aino)
    assert event.changed_fields == ["reminders_by_sms"] and event.actor_user_id == world.member(role).user_id


def test_a_restricted_clients_choices_cannot_be_changed(world, client_for, aino):
    client_restrict(client=aino, actor=SYSTEM, reason="Contests the data")
    browser = english(client_for(world.owner))
    html = browser.get(url(world, "client_detail", client_id=aino.pk)).content.decode()
    assert "Save the reminder choices" not in html
    response = browser.post(url(world, "client_reminders", client_id=aino.pk), {}, follow=True)
    assert "restricted" in response.content.decode()
    aino.refresh_from_db()
    assert aino.reminders_by_email and aino.reminders_by_sms


def test_another_organizations_client_choices_are_not_found(world, client_for):
    theirs = make_client(world.other_org, email="obcy@example.test")
    response = client_for(world.owner).post(url(world, "client_reminders", client_id=theirs.pk), {})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.reminders_by_email and theirs.reminders_by_sms


# --- the portal ---------------------------------------------------------------------------------------------

def portal_browser(client) -> Browser:
    browser = Browser()
    browser.cookies["django_language"] = "en"
    session = browser.session
    session[SESSION_KEY] = {"organization": client.organization_id, "client": client.pk,
                            "at": int(timezone.now().timestamp())}
    session.save()
    return browser


def portal_url(world) -> str:
    return reverse("portal:messages", args=[world.org.slug])


def test_the_portal_lists_the_messages_sent_to_the_client(world, aino):
    make_message(world.org, aino, kind="confirmed", purpose=MessagePurpose.TRANSACTIONAL,
                 subject="Your booking is confirmed")
    make_message(world.org, aino, channel=MessageChannel.SMS, body="Reminder: cut tomorrow at 10")
    make_message(world.org, aino, status=MessageStatus.SKIPPED, subject="Never sent")
    make_message(world.org, aino, kind="staff_new_booking", purpose=MessagePurpose.STAFF, subject="To staff")
    someone = make_client(world.org, email="other@example.test")
    make_message(world.org, someone, subject="Someone else's message")
    html = portal_browser(aino).get(portal_url(world)).content.decode()
    assert "Your booking is confirmed" in html and "Reminder: cut tomorrow at 10" in html
    for hidden in ("Never sent", "To staff", "Someone else"):
        assert hidden not in html
    assert reverse("portal:messages", args=[world.org.slug]) in html  # in the portal's navigation
    view = AuditEvent.objects.for_organization(world.org).filter(subject_ref=aino.subject_ref,
                                                                 action=AuditAction.VIEW).last()
    assert view.actor_kind == ActorKind.CLIENT and view.detail["page"] == "messages"


def test_the_client_turns_sms_reminders_off_in_the_portal(world, aino):
    browser = portal_browser(aino)
    response = browser.post(portal_url(world), {"by_email": "on"}, follow=True)
    assert "Your choice was saved." in response.content.decode()
    aino.refresh_from_db()
    assert aino.reminders_by_email and not aino.reminders_by_sms
    event = _last_update(aino)
    assert event.actor_kind == ActorKind.CLIENT and event.changed_fields == ["reminders_by_sms"]
    checked = browser.get(portal_url(world)).content.decode()
    assert 'name="by_email" id="id_by_email" checked' in checked or 'id="id_by_email" checked' in checked


def test_the_portal_messages_page_needs_a_signed_in_client(world, aino):
    other_org_browser = portal_browser(make_client(world.other_org, email="aino@example.test"))
    assert Browser().get(portal_url(world))["Location"] == reverse("portal:start", args=[world.org.slug])
    assert other_org_browser.get(portal_url(world)).status_code == 302
    assert other_org_browser.post(portal_url(world), {}).status_code == 302
    aino.refresh_from_db()
    assert aino.reminders_by_email and aino.reminders_by_sms
