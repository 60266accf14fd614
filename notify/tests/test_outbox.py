"""The outbox: booking messages and reminders written as rows, kept in step with the appointment,
delivered to a real SMTP server, retried with backoff, and stopped by every opt-out."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from booking.models import AppointmentState
from booking.selectors import free_slots
from booking.services import appointment_book, appointment_move, appointment_transition
from clients.services import client_restrict
from kernel.audit import Actor
from notify.delivery import MAX_ATTEMPTS, deliver
from notify.models import Message, MessageChannel, MessagePurpose, MessageStatus, NotificationPolicy, ReminderRule
from notify.policy import policy_for
from notify.services import before_quiet_hours
from notify.sms.encoding import sms_parts
from tilli.test import free_port, make_bookable, make_client, worker_after

SYSTEM = Actor.system("test")
HEL = ZoneInfo("Europe/Helsinki")


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_GATEWAY = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    return settings.SMS_FILE_PATH


def _slot(service, resource, days_ahead=3):
    today = timezone.localdate()
    return free_slots(service, today + dt.timedelta(days=days_ahead), today + dt.timedelta(days=days_ahead + 10),
                      staff=resource)[0].start


def _setup(world, *, sms=True, **client_fields):
    ReminderRule.objects.create(organization=world.org, hours_before=24, channel=MessageChannel.EMAIL)
    ReminderRule.objects.create(organization=world.org, hours_before=2, channel=MessageChannel.SMS)
    policy = policy_for(world.org)
    policy.sms_enabled, policy.sms_sender = sms, "Aurora"
    policy.quiet_start, policy.quiet_end = dt.time(21), dt.time(8)
    policy.save()
    _, resource, service = make_bookable(world.org, world.practitioner, hours=((10, 17),))
    client_fields.setdefault("email", "muistutus@example.test")
    client_fields.setdefault("phone", "0401234567")
    opt_outs = {k: client_fields.pop(k) for k in ("reminders_by_email", "reminders_by_sms") if k in client_fields}
    client = make_client(world.org, preferred_language="fi", **client_fields)
    if opt_outs:
        type(client).objects.filter(pk=client.pk).update(**opt_outs)
        client.refresh_from_db()
    return client, resource, service


def _book(client, resource, service, channel="phone", days_ahead=3):
    return appointment_book(service=service, start=_slot(service, resource, days_ahead), client=client,
                            channel=channel, actor=SYSTEM, staff=resource)


@pytest.mark.django_db
def test_a_booking_queues_its_reminders_and_a_move_or_cancellation_keeps_them_in_step(
        world, smtp_server):
    client, resource, service = _setup(world)
    with worker_after():
        appointment = _book(client, resource, service)
    reminders = Message.objects.filter(appointment=appointment, purpose=MessagePurpose.REMINDER)
    by_channel = {m.channel: m for m in reminders}
    assert set(by_channel) == {"email", "sms"}
    assert by_channel["email"].next_attempt_at == appointment.start - dt.timedelta(hours=24)
    assert by_channel["sms"].next_attempt_at == appointment.start - dt.timedelta(hours=2)
    sms = by_channel["sms"]
    assert sms.recipient == "+358401234567" and sms.segments == sms_parts(sms.body).segments <= 2
    assert "Muistutus" in by_channel["sms"].body or "muistutus" in by_channel["sms"].body.lower()
    confirmation = Message.objects.get(appointment=appointment, purpose=MessagePurpose.TRANSACTIONAL)
    assert confirmation.status == MessageStatus.SENT and confirmation.ics.startswith("BEGIN:VCALENDAR")
    assert smtp_server.wait_for(1)[0]["To"] == "muistutus@example.test"

    with worker_after():
        moved = appointment_move(appointment=appointment, start=_slot(service, resource, 6), actor=SYSTEM)
    assert set(reminders.filter(status=MessageStatus.CANCELLED).values_list("channel", flat=True)) == {"email",
                                                                                                       "sms"}
    fresh = reminders.filter(status=MessageStatus.QUEUED)
    assert fresh.count() == 2 and all(f":{moved.revision}:" in m.dedupe_key for m in fresh)
    assert Message.objects.filter(appointment=appointment, kind="moved", status=MessageStatus.SENT).exists()

    with worker_after():
        appointment_transition(appointment=moved, to_state=AppointmentState.CANCELLED, actor=SYSTEM)
    assert not reminders.filter(status=MessageStatus.QUEUED).exists()
    assert Message.objects.filter(appointment=appointment, kind="cancelled").exists()


@pytest.mark.django_db
def test_no_reminders_for_a_restricted_client_and_none_on_a_channel_the_client_turned_off(
        world):
    client, resource, service = _setup(world, reminders_by_sms=False)
    with worker_after():
        appointment = _book(client, resource, service)
    assert list(Message.objects.filter(appointment=appointment, purpose=MessagePurpose.REMINDER)
                .values_list("channel", flat=True)) == ["email"]
    client_restrict(client=client, actor=SYSTEM, reason="Accuracy contested")
    with worker_after():
        appointment_transition(appointment=appointment, to_state=AppointmentState.CONFIRMED, actor=SYSTEM)
    assert not Message.objects.filter(appointment=appointment, purpose=MessagePurpose.REMINDER,
                                      status=MessageStatus.QUEUED).exists()


@pytest.mark.django_db
def test_sms_needs_the_organizations_policy(world):
    client, resource, service = _setup(world, sms=False)
    with worker_after():
        appointment = _book(client, resource, service)
    channels = set(Message.objects.filter(appointment=appointment).values_list("channel", flat=True))
    assert channels == {"email"}


def test_quiet_hours_move_a_reminder_to_the_evening_before():
    policy = NotificationPolicy(quiet_start=dt.time(21), quiet_end=dt.time(8))
    early = dt.datetime(2027, 3, 10, 6, 30, tzinfo=HEL)
    assert before_quiet_hours(early, policy, HEL) == dt.datetime(2027, 3, 9, 21, 0, tzinfo=HEL)
    late = dt.datetime(2027, 3, 10, 22, 15, tzinfo=HEL)
    assert before_quiet_hours(late, policy, HEL) == dt.datetime(2027, 3, 10, 21, 0, tzinfo=HEL)
    day = dt.datetime(2027, 3, 10, 12, 0, tzinfo=HEL)
    assert before_quiet_hours(day, policy, HEL) == day
    # Across the spring DST change (Helsinki, 28 March 2027): still 21:00 local the evening before.
    dst = dt.datetime(2027, 3, 28, 7, 0, tzinfo=HEL)
    assert before_quiet_hours(dst, policy, HEL).astimezone(HEL).time() == dt.time(21)


@pytest.mark.django_db
def test_due_reminders_go_out_in_the_clients_language_and_stop_if_the_client_is_restricted_meanwhile(
        world, smtp_server, sms_file):
    client, resource, service = _setup(world)
    other = make_client(world.org, first_name="Toinen", email="toinen@example.test", phone="0407654321")
    with worker_after():
        first = _book(client, resource, service)
        second = _book(other, resource, service, days_ahead=4)
    smtp_server.messages.clear()
    client_restrict(client=client, actor=SYSTEM, reason="Accuracy contested")
    later = max(first.start, second.start)  # every reminder is due by then
    totals = deliver(now=later)
    assert totals["sent"] == 2 and totals["skipped"] == 2  # the restricted client's two reminders stop at send time
    skipped = Message.objects.filter(client=client, purpose=MessagePurpose.REMINDER)
    assert set(skipped.values_list("status", "error")) == {(MessageStatus.SKIPPED, "not_allowed")}
    email = smtp_server.wait_for(1)[0]
    assert email["To"] == "toinen@example.test" and "/b/" in email.get_payload(decode=True).decode()
    sms = [json.loads(line) for line in sms_file.read_text().splitlines()]
    assert [s["to"] for s in sms] == ["+358407654321"] and sms[0]["sender"] == "Aurora"


@pytest.mark.django_db
def test_a_temporary_failure_is_retried_with_backoff_and_gives_up_after_the_last_attempt(world, settings):
    client = make_client(world.org, email="retry@example.test")
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2}}}
    now = timezone.now()
    message = Message.objects.create(organization=world.org, client=client, purpose=MessagePurpose.TRANSACTIONAL,
                                     kind="confirmed", channel=MessageChannel.EMAIL, recipient=client.email,
                                     language="fi", subject="S", body="B", dedupe_key="retry", next_attempt_at=now)
    assert deliver(now=now)["retry"] == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and message.attempts == 1
    assert message.next_attempt_at >= now + dt.timedelta(minutes=1) and message.error.startswith("smtp_")
    assert deliver(now=now)["retry"] == 0  # not due again yet
    for _ in range(MAX_ATTEMPTS):
        deliver(now=message.next_attempt_at)
        message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempts == MAX_ATTEMPTS


@pytest.mark.django_db
def test_an_organizations_own_wording_is_filled_in_with_the_bookings_values(world):
    from notify.models import MessageTemplate, TemplateKind
    from notify.rendering import render_message
    from notify.services import appointment_context

    client, resource, service = _setup(world)
    appointment = _book(client, resource, service)
    MessageTemplate.objects.create(organization=world.org, kind=TemplateKind.REMINDER, channel="sms", language="fi",
                                   body="Hei {client_first_name}! {service} {short_date} klo {start} "
                                        "{manage_link} {{☺}}")
    _, body = render_message(world.org, TemplateKind.REMINDER, "sms", "fi", appointment_context(appointment))
    start = appointment.start.astimezone(ZoneInfo(world.org.time_zone))
    assert body.startswith(f"Hei {client.first_name}! {service.name} {start.day}.{start.month}. "
                           f"klo {start:%H:%M} http")
    assert "/b/" in body and body.endswith("{☺}")


@pytest.mark.django_db
def test_a_stored_wording_that_fails_the_check_falls_back_to_tillis(world):
    """Wording written around the check (the admin, an older version) never stops a booking's message."""
    from notify.models import MessageTemplate, TemplateKind
    from notify.rendering import render_message
    from notify.services import appointment_context

    client, resource, service = _setup(world)
    appointment = _book(client, resource, service)
    MessageTemplate.objects.create(organization=world.org, kind=TemplateKind.REMINDER, channel="sms", language="fi",
                                   body="{client.email} {client_first_name.__class__}")
    _, body = render_message(world.org, TemplateKind.REMINDER, "sms", "fi", appointment_context(appointment))
    assert client.email not in body and "class" not in body and service.name in body
