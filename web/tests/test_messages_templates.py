"""The organization's own wording: prefilled with what is in use, previewed as typed, refused when it
cannot be rendered, and reset to Tilli's."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from booking.services import appointment_book
from notify.models import MessageTemplate
from privacy.models import AuditAction, AuditEvent
from tilli.test import make_bookable, make_client
from web.tests.messages_helpers import SYSTEM, english, url


def edit_url(world, kind="reminder", channel="sms", language="en") -> str:
    return url(world, "message_template_edit") + f"?kind={kind}&channel={channel}&language={language}"


def test_the_list_shows_which_wording_is_the_organizations_own(world, client_for):
    MessageTemplate.objects.create(organization=world.org, kind="reminder", channel="sms", language="fi",
                                   body="Muistutus {{ organization.name }}")
    browser = english(client_for(world.owner))
    html = browser.get(url(world, "message_templates")).content.decode()
    assert html.count('<span class="badge">your own</span>') == 1 and html.count('<span class="badge plain">') == 35
    assert edit_url(world, "reminder", "sms", "fi").replace("&", "&amp;") in html
    assert "New online booking (to staff)" in html  # email only: Tilli has no SMS wording for it
    assert "kind=staff_new_booking&amp;channel=sms" not in html


def test_the_editor_starts_from_tillis_wording_and_previews_it_with_a_sample(world, client_for):
    browser = english(client_for(world.owner))
    html = browser.get(edit_url(world, "reminder", "sms", "en")).content.decode()
    assert "{% blocktranslate" in html  # the default file's source
    assert "Reminder: Example service at Salon Aurora" in html  # rendered with a sample appointment
    assert 'class="sms-count"' in html and "GSM-7" in html
    email = browser.get(edit_url(world, "confirmed", "email", "en")).content.decode()
    assert 'name="subject"' in email and "{{ organization.name }}" in email


def test_the_preview_uses_the_next_booking_when_there_is_one(world, client_for):
    _, resource, service = make_bookable(world.org, world.practitioner)
    client = make_client(world.org, first_name="Kerttu", email="kerttu@example.test")
    start = (timezone.now() + dt.timedelta(days=2)).replace(hour=8, minute=0, second=0, microsecond=0)
    appointment_book(service=service, start=start, client=client, channel="staff", actor=SYSTEM, staff=resource)
    browser = english(client_for(world.owner))
    response = browser.post(edit_url(world), {"body": "Hi {{ client.first_name }}, see you at "
                                              "{{ start|time:'H:i' }} for {{ appointment.service.name }}",
                                              "preview": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f"Hi Kerttu, see you at {timezone.localtime(start).strftime('%H:%M')} for {service.name}" in \
        response.content.decode()


def test_a_live_preview_counts_sms_segments(world, client_for):
    browser = english(client_for(world.owner))
    response = browser.post(edit_url(world), {"body": "ą" * 71, "preview": "1"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html  # the partial only
    assert 'data-segments="2"' in html and "UCS-2" in html
    assert not MessageTemplate.objects.exists()  # a preview saves nothing


def test_the_owner_saves_wording_and_messages_use_it(world, client_for):
    browser = english(client_for(world.owner))
    response = browser.post(edit_url(world, "reminder", "email", "fi"), {
        "subject": "Muistutus: {{ organization.name }}", "body": "Hei {{ client.first_name }}!\r\nNähdään.",
        "save": "1"})
    assert response.status_code == 302
    template = MessageTemplate.objects.get(organization=world.org, kind="reminder", channel="email", language="fi")
    assert template.body == "Hei {{ client.first_name }}!\nNähdään."
    html = browser.get(edit_url(world, "reminder", "email", "fi")).content.decode()
    assert "Your own wording" in html and "Reset to Tilli" in html
    assert "Muistutus: Salon Aurora" in html
    event = AuditEvent.objects.for_organization(world.org).filter(object_type="notify.messagetemplate").get()
    assert event.action == AuditAction.CREATE


def test_wording_with_a_template_error_is_refused_and_never_saved(world, client_for):
    browser = english(client_for(world.owner))
    for body in ("Hi {% if client %}", "Hi {{ client.first_name|nosuchfilter }}", "{% debug %}",
                 '{% include "base.html" %}', "{% load static %}{% static 'x' %}"):
        response = browser.post(edit_url(world), {"body": body, "save": "1"})
        assert response.status_code == 200, body
        html = response.content.decode()
        assert 'class="error"' in html and ("template error" in html or "cannot be used" in html
                                            or "can be loaded" in html), body
    live = browser.post(edit_url(world), {"body": "Hi {% if client %}", "preview": "1"},
                        headers={"HX-Request": "true"})
    assert "template error" in live.content.decode()
    assert not MessageTemplate.objects.exists()


def test_an_email_needs_a_subject_and_an_sms_has_none(world, client_for):
    browser = english(client_for(world.owner))
    response = browser.post(edit_url(world, "cancelled", "email", "sv"), {"subject": "", "body": "Hej", "save": "1"})
    assert response.status_code == 200 and not MessageTemplate.objects.exists()
    browser.post(edit_url(world, "cancelled", "sms", "sv"), {"subject": "ignored", "body": "Hej", "save": "1"})
    assert MessageTemplate.objects.get().subject == ""


def test_reset_deletes_the_organizations_wording(world, client_for):
    template = MessageTemplate.objects.create(organization=world.org, kind="moved", channel="sms", language="pl",
                                              body="Przeniesiono")
    browser = english(client_for(world.owner))
    response = browser.post(url(world, "message_template_reset", template_id=template.pk))
    assert response.status_code == 302 and "kind=moved" in response["Location"]
    assert not MessageTemplate.objects.exists()
    html = browser.get(response["Location"]).content.decode()
    assert "Tilli's wording" in html and "Przeniesiono" not in html


def test_an_unknown_kind_channel_or_language_is_not_found(world, client_for):
    browser = client_for(world.owner)
    for query in ("kind=nope&channel=sms&language=fi", "kind=reminder&channel=fax&language=fi",
                  "kind=reminder&channel=sms&language=de", "kind=staff_new_booking&channel=sms&language=fi", ""):
        assert browser.get(url(world, "message_template_edit") + "?" + query).status_code == 404, query
