"""The public contact form: the message reaches the staff by email and nothing of it is kept;
bots are trapped without third-party services and see the same thanks page as people."""

from __future__ import annotations

import datetime as dt
import time
from email.header import decode_header, make_header

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notify.models import Message, MessageStatus
from privacy.tests.test_erasure import _every_value_in_the_database
from tilli.test import World, run_worker, worker_after
from web.contact_views import LIMIT_PER_IP, STAMP_SALT

SENDER = {"name": "Ottilia Quotewright", "email": "ottilia.quotewright@example.test", "phone": "+358401234999",
          "message": "Could you quote a wedding hairdo for six bridesmaids?"}


@pytest.fixture(autouse=True)
def _clean_cache(db):
    cache.clear()  # rate-limit counters live in the database cache and outlive a transactional test's flush
    yield
    cache.clear()


def _started(seconds_ago: float = 10) -> str:
    return signing.dumps(time.time() - seconds_ago, salt=STAMP_SALT)


def _post(client: Client, world: World, *, started: str | None = None, **fields):
    if "django_language" not in client.cookies:
        client.cookies["django_language"] = "en"  # the visitor's choice; tests of wording read English
    data = {**SENDER, "website": "", "started": started or _started(), **fields}
    return client.post(reverse("public_booking:contact", args=[world.org.slug]), data)


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


@pytest.mark.django_db(transaction=True)
def test_the_message_reaches_the_owner_with_reply_to_and_nothing_of_the_sender_remains(world, smtp_server):
    response = _post(Client(), world)
    assert smtp_server.messages == []  # the request only queues it
    run_worker()

    sent = reverse("public_booking:contact_sent", args=[world.org.slug])
    assert response.status_code == 302 and response["Location"] == sent
    inbox = smtp_server.wait_for(1)
    assert len(inbox) == 1
    email = inbox[0]
    assert email["To"] == world.owner.user.email
    assert email["Reply-To"] == SENDER["email"]
    assert SENDER["name"] in _subject(email)
    body = email.get_payload(decode=True).decode()
    for value in SENDER.values():
        assert value in body
    assert not Message.objects.exists()
    dump = _every_value_in_the_database()
    for value in SENDER.values():
        found = [table for table, text in dump.items() if value in text]
        assert not found, (value, found)


@pytest.mark.django_db(transaction=True)
def test_the_privacy_contact_gets_the_message_instead_of_the_owners(world, smtp_server):
    world.org.privacy_contact_email = "mail@aurora.example.test"
    world.org.save()

    _post(Client(), world)
    run_worker()

    inbox = smtp_server.wait_for(1)
    assert [m["To"] for m in inbox] == ["mail@aurora.example.test"]


@pytest.mark.django_db(transaction=True)
def test_each_owner_gets_the_message(world, smtp_server):
    from tenancy.roles import Role
    from tilli.test import add_member

    second = add_member(world.org, Role.OWNER)

    _post(Client(), world)
    run_worker()

    inbox = smtp_server.wait_for(2)
    assert sorted(m["To"] for m in inbox) == sorted([world.owner.user.email, second.user.email])
    assert not Message.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_message_that_cannot_be_delivered_keeps_nothing_of_the_sender(world, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 1}}}
    _post(Client(), world)
    message = Message.objects.get()  # a temporary failure: queued for the worker's retry, until sending
    assert message.status == MessageStatus.QUEUED and message.reply_to == SENDER["email"]

    from notify.delivery import MAX_ATTEMPTS, deliver

    Message.objects.update(attempts=MAX_ATTEMPTS)
    deliver(ids=[message.pk], now=timezone.now() + dt.timedelta(days=1))

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert (message.recipient, message.reply_to, message.subject, message.body) == ("", None, "", "")
    dump = _every_value_in_the_database()
    for value in SENDER.values():
        assert not [table for table, text in dump.items() if value in text], value


def test_a_filled_honeypot_looks_like_success_and_sends_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _post(Client(), world, website="http://spam.example.test")

    assert response.status_code == 302
    assert response["Location"] == reverse("public_booking:contact_sent", args=[world.org.slug])
    assert not callbacks and not Message.objects.exists()


def test_a_form_sent_within_seconds_looks_like_success_and_sends_nothing(world):
    response = _post(Client(), world, started=_started(seconds_ago=1))

    assert response.status_code == 302
    assert not Message.objects.exists()


@pytest.mark.parametrize("started", ["", "forged", signing.dumps(0.0, salt="another")])
def test_a_missing_or_forged_time_stamp_sends_nothing(world, started):
    response = _post(Client(), world, started=started or " ")

    assert response.status_code == 302
    assert not Message.objects.exists()


def test_a_validation_error_is_shown_in_the_visitors_language_and_keeps_the_input(world):
    client = Client()
    client.cookies["django_language"] = "fi"

    response = _post(client, world, email="not-an-address")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Syötä kelvollinen sähköpostiosoite." in content  # Django's own Finnish message
    assert SENDER["name"] in content and SENDER["message"] in content
    assert not Message.objects.exists()


def test_a_page_left_open_for_a_day_asks_to_send_again_and_keeps_the_input(world, monkeypatch):
    import web.contact_views

    old = signing.TimestampSigner(salt=STAMP_SALT)
    monkeypatch.setattr(web.contact_views, "MAX_FORM_AGE", 1)
    stamp = old.sign_object(time.time() - 10)
    time.sleep(1.1)

    response = _post(Client(), world, started=stamp)

    assert response.status_code == 200
    assert "send it again" in response.content.decode()
    assert SENDER["message"] in response.content.decode()
    assert response.context["form"].data["started"] != stamp


def test_too_many_messages_from_one_address_are_refused(world, smtp_server):
    client = Client()
    for _ in range(LIMIT_PER_IP):
        with worker_after():
            assert _post(client, world).status_code == 302

    response = _post(client, world)

    assert response.status_code == 200
    assert "Too many messages" in response.content.decode()
    assert SENDER["message"] in response.content.decode()
    assert len(smtp_server.wait_for(LIMIT_PER_IP)) == LIMIT_PER_IP
    assert not any("127.0.0.1" in key for key in _cache_keys())  # no address in the cache


def _cache_keys() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM tilli_cache")
        return [row[0] for row in cursor.fetchall()]


def test_no_personal_data_travels_in_a_url(world):
    response = _post(Client(), world)

    assert "?" not in response["Location"]
    page = Client().get(reverse("public_booking:contact", args=[world.org.slug]))
    assert 'method="post"' in page.content.decode()
    assert f'action="{reverse("public_booking:contact", args=[world.org.slug])}"' in page.content.decode()


def test_the_page_states_what_happens_to_the_message_and_hides_the_trap(world):
    page = Client().get(reverse("public_booking:contact", args=[world.org.slug]))

    content = page.content.decode()
    assert "This form does not store it" in content or "ei tallenna" in content
    assert 'type="hidden"' not in content.split('name="website"')[0].rsplit("<", 1)[-1]
    assert 'aria-hidden="true"' in content and 'name="website"' in content


def test_the_booking_page_links_to_the_contact_form(world):
    page = Client().get(reverse("public_booking:services", args=[world.org.slug]))

    assert reverse("public_booking:contact", args=[world.org.slug]) in page.content.decode()


def test_thanks_page_names_the_organization(world):
    page = Client().get(reverse("public_booking:contact_sent", args=[world.org.slug]))

    assert page.status_code == 200 and world.org.name in page.content.decode()


def test_an_unknown_organization_has_no_contact_form(db):
    assert Client().get(reverse("public_booking:contact", args=["no-such-salon"])).status_code == 404


def test_a_contact_message_interrupted_while_sending_keeps_nothing_of_the_sender(world):
    from notify.delivery import LEASE, recover_interrupted

    claimed = timezone.now() - LEASE - dt.timedelta(minutes=1)
    message = Message.objects.create(
        organization=world.org, purpose="contact", kind="contact_form", channel="email", recipient="a@example.test",
        reply_to=SENDER["email"], language="fi", subject=SENDER["name"], body=SENDER["message"],
        status=MessageStatus.SENDING, claimed_at=claimed, claim_token="00000000-0000-0000-0000-000000000001",
        next_attempt_at=claimed, dedupe_key="contact:interrupted")

    assert recover_interrupted() == 1

    message.refresh_from_db()
    assert message.status == MessageStatus.INTERRUPTED
    assert (message.recipient, message.reply_to, message.subject, message.body) == ("", None, "", "")
