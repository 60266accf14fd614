"""The outbox: a list that shows no recipient and no text; one message opened is an audited read."""

from __future__ import annotations

from kernel.models import AuditAction, AuditEvent
from notify.models import MessageChannel, MessagePurpose, MessageStatus
from tilli.test import make_client
from web.tests.messages_helpers import english, make_message, url


def test_the_list_shows_times_kinds_and_statuses_but_no_recipients_or_texts(world, client_for):
    client = make_client(world.org, first_name="Vieno", last_name="Viestinen", email="vieno@example.test",
                         phone="0405556666")
    make_message(world.org, client, subject="Secret subject line", body="Secret body text")
    make_message(world.org, client, channel=MessageChannel.SMS, status=MessageStatus.FAILED, error="gateway_refused",
                 body="Secret sms text", attempts=6)
    browser = english(client_for(world.owner))
    html = browser.get(url(world, "outbox")).content.decode()
    for private in ("vieno@example.test", "+358405556666", "Viestinen", "Secret subject", "Secret body",
                    "Secret sms"):
        assert private not in html, private
    assert "gateway_refused" in html and "Failed" in html and "Reminder" in html and ">6<" in html


def test_the_list_is_newest_first_filtered_and_paged(world, client_for):
    client = make_client(world.org, email="paged@example.test")
    for _ in range(51):
        make_message(world.org, client)
    make_message(world.org, client, purpose=MessagePurpose.MARKETING, kind="marketing", status=MessageStatus.QUEUED)
    browser = english(client_for(world.owner))
    first = browser.get(url(world, "outbox"))
    assert len(first.context["page"]) == 50 and first.context["page"][0].purpose == MessagePurpose.MARKETING
    queued = browser.get(url(world, "outbox") + "?status=queued&purpose=marketing&channel=email")
    assert [m.kind for m in queued.context["page"]] == ["marketing"]
    second = browser.get(url(world, "outbox") + "?status=sent&page=2")
    assert len(second.context["page"]) == 1 and "status=sent" in second.content.decode()
    nonsense = browser.get(url(world, "outbox") + "?status=nonsense")
    assert nonsense.status_code == 200


def test_opening_a_message_shows_it_and_is_audited_under_the_client(world, client_for):
    client = make_client(world.org, email="avattu@example.test")
    message = make_message(world.org, client, subject="Reminder subject", body="The whole text")
    browser = english(client_for(world.owner))
    html = browser.get(url(world, "outbox_message", message_id=message.pk)).content.decode()
    assert "avattu@example.test" in html and "The whole text" in html and "Reminder subject" in html
    event = AuditEvent.objects.for_organization(world.org).filter(object_type="notify.message").get()
    assert event.action == AuditAction.VIEW and event.subject_ref == client.subject_ref
    assert event.object_id == str(message.pk)


def test_a_message_without_a_client_is_audited_without_a_subject(world, client_for):
    message = make_message(world.org, None, purpose=MessagePurpose.STAFF, kind="staff_new_booking",
                           recipient="staff@example.test")
    browser = client_for(world.owner)
    assert browser.get(url(world, "outbox_message", message_id=message.pk)).status_code == 200
    event = AuditEvent.objects.for_organization(world.org).filter(object_type="notify.message").get()
    assert event.subject_ref is None


def test_staff_without_the_permission_and_other_organizations_cannot_open_a_message(world, client_for):
    mine = make_message(world.org, make_client(world.org, email="x@example.test"))
    theirs = make_message(world.other_org, make_client(world.other_org, email="y@example.test"))
    for role in ("practitioner", "reception", "accountant"):
        assert client_for(world.member(role)).get(url(world, "outbox_message", message_id=mine.pk)).status_code == 404
    assert client_for(world.owner).get(url(world, "outbox_message", message_id=theirs.pk)).status_code == 404
    assert not AuditEvent.objects.filter(object_type="notify.message").exists()


def test_why_a_message_was_not_sent_is_said_in_words_and_a_providers_code_is_kept(world, client_for):
    client = make_client(world.org, email="syy@example.test", phone="0405556667")
    make_message(world.org, client, status=MessageStatus.CANCELLED, error="appointment_cancelled")
    make_message(world.org, client, status=MessageStatus.SKIPPED, error="not_allowed")
    make_message(world.org, client, channel=MessageChannel.SMS, status=MessageStatus.FAILED, error="smsapi:error-13")
    browser = english(client_for(world.owner))
    html = browser.get(url(world, "outbox")).content.decode()
    assert "appointment_cancelled" not in html and "not_allowed" not in html
    assert "The appointment was cancelled" in html and "has not allowed it" in html
    assert "The SMS gateway did not accept the message <code>smsapi:error-13</code>" in html
