"""The organization's own wording: plain text with placeholders, prefilled with Tilli's wording in the
language edited, previewed with example values as typed, refused with the fault named, and reset to Tilli's."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from booking.services import appointment_book
from kernel.models import AuditAction, AuditEvent
from notify.configuration import template_save
from notify.models import MessageTemplate
from tilli.test import make_bookable, make_client
from web.tests.messages_helpers import SYSTEM, english, url


def edit_url(world, kind="reminder", channel="sms", language="en") -> str:
    return url(world, "message_template_edit") + f"?kind={kind}&channel={channel}&language={language}"


def test_the_list_shows_which_wording_is_the_organizations_own(world, client_for):
    MessageTemplate.objects.create(organization=world.org, kind="reminder", channel="sms", language="fi",
                                   body="Muistutus {business_name}")
    browser = english(client_for(world.owner))
    html = browser.get(url(world, "message_templates")).content.decode()
    assert html.count('<span class="badge">your own</span>') == 1 and html.count('<span class="badge plain">') == 35
    assert edit_url(world, "reminder", "sms", "fi").replace("&", "&amp;") in html
    assert "New online booking (to staff)" in html  # email only: Tilli has no SMS wording for it
    assert "kind=staff_new_booking&amp;channel=sms" not in html


def test_the_editor_starts_from_tillis_wording_and_previews_it_with_a_sample(world, client_for):
    browser = english(client_for(world.owner))
    html = browser.get(edit_url(world, "reminder", "sms", "en")).content.decode()
    assert "Reminder: {service} at {business_name} on {short_date} at {start}." in html
    assert "{%" not in html.split('name="body"')[1].split("</textarea>")[0]
    assert "Reminder: Example service at Salon Aurora" in html  # rendered with a sample appointment
    assert 'class="sms-count"' in html and "GSM-7" in html
    email = browser.get(edit_url(world, "confirmed", "email", "en")).content.decode()
    assert 'name="subject"' in email and "Your booking at {business_name} is confirmed" in email


def _textarea(html: str) -> str:
    return html.split('name="body"')[1].split(">", 1)[1].split("</textarea>")[0].strip()


def test_the_finnish_editor_shows_finnish_wording_with_placeholders_and_no_template_code(world, client_for):
    browser = english(client_for(world.owner))  # the page in English, the wording edited in Finnish
    html = browser.get(edit_url(world, "confirmed", "email", "fi")).content.decode()
    text = _textarea(html)
    with translation.override("fi"):
        opening = gettext("Thank you for your booking at %(organization)s.") % {"organization": "{business_name}"}
        service = gettext("Service")
    assert opening != "Thank you for your booking at {business_name}."  # the catalog has it in Finnish
    assert opening in text and f"{service}: {{service}}" in text and "{manage_link}" in text
    assert "{%" not in text and "{{" not in text and "blocktranslate" not in html
    assert "<code>{client_first_name}</code>" in html and "<code>{manage_link}</code>" in html  # the list beside
    sms = _textarea(browser.get(edit_url(world, "cancelled", "sms", "fi")).content.decode())
    assert sms.startswith("Peruttu: {service}") and "{manage_link}" not in sms


def test_the_placeholders_listed_are_the_ones_the_message_offers(world, client_for):
    browser = english(client_for(world.owner))
    cancelled = browser.get(edit_url(world, "cancelled", "email", "en")).content.decode()
    assert "<code>{service}</code>" in cancelled and "<code>{manage_link}</code>" not in cancelled
    staff = browser.get(edit_url(world, "staff_new_booking", "email", "en")).content.decode()
    assert "<code>{panel_link}</code>" in staff and "<code>{manage_link}</code>" not in staff


def test_the_preview_never_shows_a_real_booking_or_a_working_manage_link(world, client_for):
    _, resource, service = make_bookable(world.org, world.practitioner)
    client = make_client(world.org, first_name="Kerttu", last_name="Kuusela", email="kerttu@example.test")
    start = (timezone.now() + dt.timedelta(days=2)).replace(hour=8, minute=0, second=0, microsecond=0)
    appointment_book(service=service, start=start, client=client, channel="staff", actor=SYSTEM, staff=resource)
    browser = english(client_for(world.owner))
    body = "Hi {client_first_name} {client_name}, {service} at {start}: {manage_link}"
    for response in (browser.get(edit_url(world, "reminder", "email", "en")),
                     browser.post(edit_url(world), {"body": body, "preview": "1"}, headers={"HX-Request": "true"})):
        html = response.content.decode()
        assert response.status_code == 200
        assert "Kerttu" not in html and "Kuusela" not in html and service.name not in html
    live = browser.post(edit_url(world), {"body": body, "preview": "1"}, headers={"HX-Request": "true"})
    link = re.search(r"http://\S+/manage/\S+/", live.content.decode()).group(0)
    assert "Hi Alex Alex Example, Example service at 10:00" in live.content.decode()
    manage = browser.get(urlsplit(link).path)
    assert manage.status_code == 404  # the example link works for nobody


def test_a_live_preview_counts_sms_segments(world, client_for):
    browser = english(client_for(world.owner))
    response = browser.post(edit_url(world), {"body": "ą" * 71, "preview": "1"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html  # the partial only
    assert 'data-segments="2"' in html and "UCS-2" in html
    assert not MessageTemplate.objects.exists()  # a preview saves nothing
    gsm = browser.post(edit_url(world), {"body": "x" * 150 + " {start}", "preview": "1"},
                       headers={"HX-Request": "true"}).content.decode()
    assert "156 characters (GSM-7): 1 SMS" in gsm  # counted on the filled-in text, not the placeholder
    longer = browser.post(edit_url(world), {"body": "x" * 150 + " {manage_link}", "preview": "1"},
                          headers={"HX-Request": "true"}).content.decode()
    assert 'data-segments="2"' in longer


def test_the_owner_saves_wording_and_messages_use_it(world, client_for):
    browser = english(client_for(world.owner))
    response = browser.post(edit_url(world, "reminder", "email", "fi"), {
        "subject": "Muistutus: {business_name}", "body": "Hei {client_first_name}!\r\nNähdään {start}.",
        "save": "1"})
    assert response.status_code == 302
    template = MessageTemplate.objects.get(organization=world.org, kind="reminder", channel="email", language="fi")
    assert template.body == "Hei {client_first_name}!\nNähdään {start}."
    html = browser.get(edit_url(world, "reminder", "email", "fi")).content.decode()
    assert "Your own wording" in html and "Reset to Tilli" in html
    assert "Muistutus: Salon Aurora" in html
    event = AuditEvent.objects.for_organization(world.org).filter(object_type="notify.messagetemplate").get()
    assert event.action == AuditAction.CREATE


@pytest.mark.parametrize(("body", "fault"), [
    ("Hi {client_email}", "has no placeholder {client_email}"),
    ("Hi {client.first_name}", "has no placeholder {client.first_name}"),
    ("Hi {client_first_name.__class__}", "has no placeholder"),
    ("Hi {client_first_name[0]}", "has no placeholder"),
    ("Hi {client_first_name!r}", "without “:” or “!”"),
    ("Hi {client_first_name:>500}", "without “:” or “!”"),
    ("Hi {client_first_name", "A brace is not closed"),
    ("Hi client_first_name}", "A brace is not closed"),
    ("Hi {}", "Empty braces"),
    ("Hi {0}", "has no placeholder {0}"),
    ("Hi {{ client.first_name }}", "Template code"),
    ("{% load i18n %}{% translate 'Hi' %}", "Template code"),
    ("Cancelled. {manage_link}", "has no placeholder {manage_link}"),  # kind: cancelled
])
def test_wording_with_a_bad_placeholder_or_brace_is_refused_and_never_saved(world, client_for, body, fault):
    browser = english(client_for(world.owner))
    page = edit_url(world, "cancelled" if "manage_link" in body else "reminder", "sms", "en")
    response = browser.post(page, {"body": body, "save": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error' in html and escape(fault) in html
    live = browser.post(page, {"body": body, "preview": "1"}, headers={"HX-Request": "true"})
    assert escape(fault) in live.content.decode() and 'role="alert"' in live.content.decode()
    assert not MessageTemplate.objects.exists()


def test_the_service_refuses_a_bad_wording_too(world):
    with pytest.raises(ValidationError) as refused:
        template_save(organization=world.org, actor=SYSTEM, kind="reminder", channel="email", language="en",
                      subject="Hi {client.email}", body="Hello")
    assert refused.value.code == "unknown_placeholder" and not MessageTemplate.objects.exists()


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
