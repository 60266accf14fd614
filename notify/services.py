"""What gets written to the outbox: booking messages, reminders, and who may receive them.

Every message is created through `notify.outbox.enqueue`, idempotently (one row per dedupe key), so a
subscriber that runs twice never queues twice. Reminders are kept in step with the appointment:
queued on booking, replaced on a move, cancelled on cancellation. Nothing is queued for a
restricted client except what concerns a booking they already have.
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone, translation

from notify.delivery import deliver
from notify.models import (
    Message,
    MessageChannel,
    MessagePurpose,
    MessageStatus,
    NotificationPolicy,
    ReminderRule,
    TemplateKind,
)
from notify.outbox import deliver_soon, enqueue
from notify.policy import policy_for, reachable
from notify.rendering import render_message


def sms_segments(text: str) -> int:
    from notify.sms.encoding import sms_parts

    return sms_parts(text).segments


def client_language(client) -> str:
    return client.preferred_language or client.organization.default_language


def _zone(appointment) -> ZoneInfo:
    return ZoneInfo(appointment.location.time_zone or appointment.organization.time_zone)


def before_quiet_hours(moment: dt.datetime, policy: NotificationPolicy, zone: ZoneInfo) -> dt.datetime:
    """`moment`, or the start of quiet hours before it when it falls inside them (nobody gets an SMS at 6:30)."""
    local = moment.astimezone(zone)
    start, end = policy.quiet_start, policy.quiet_end
    t = local.time()
    inside = (start <= t or t < end) if start > end else (start <= t < end)
    if not inside:
        return moment
    day = local.date() if t >= start else local.date() - dt.timedelta(days=1)
    return dt.datetime.combine(day, start, tzinfo=zone)


def _rules(appointment) -> list[ReminderRule]:
    rules = list(ReminderRule.objects.filter(organization_id=appointment.organization_id,
                                             service_id=appointment.service_id))
    if not rules:
        rules = list(ReminderRule.objects.filter(organization_id=appointment.organization_id, service=None))
    return rules


def _reminder_key(appointment, rule: ReminderRule) -> str:
    return f"reminder:{appointment.pk}:{appointment.revision}:{rule.hours_before}:{rule.channel}"


def schedule_reminders(appointment, *, now: dt.datetime | None = None) -> int:
    """Make the queued reminders of an appointment match its current time, state and rules.

    Reminders of an earlier time (revision) or a cancelled appointment are cancelled; one that
    would fall in quiet hours moves to the evening before; one whose time has passed is not queued.
    """
    from booking.models import AppointmentState

    now = now or timezone.now()
    client = appointment.client
    policy = policy_for(appointment.organization)
    wanted: dict[str, tuple[ReminderRule, dt.datetime]] = {}
    active = appointment.state in (AppointmentState.BOOKED, AppointmentState.CONFIRMED)
    if active and client is not None:
        for rule in _rules(appointment):
            if not reachable(client, rule.channel, purpose=MessagePurpose.REMINDER, policy=policy):
                continue
            send_at = before_quiet_hours(appointment.start - dt.timedelta(hours=rule.hours_before), policy,
                                         _zone(appointment))
            if send_at > now:
                wanted[_reminder_key(appointment, rule)] = (rule, send_at)
    stale = Message.objects.filter(appointment=appointment, purpose=MessagePurpose.REMINDER,
                                   status=MessageStatus.QUEUED).exclude(dedupe_key__in=list(wanted))
    stale.update(status=MessageStatus.CANCELLED, error="rescheduled" if active else "appointment_cancelled")
    created = 0
    for key, (rule, send_at) in wanted.items():
        language = client_language(client)
        subject, body = render_message(appointment.organization, TemplateKind.REMINDER, rule.channel, language,
                                       appointment_context(appointment, hours_before=rule.hours_before))
        if enqueue(organization=appointment.organization, client=client, appointment=appointment,
                  channel=rule.channel, purpose=MessagePurpose.REMINDER, kind=TemplateKind.REMINDER,
                  recipient=client.email if rule.channel == MessageChannel.EMAIL else client.phone,
                  language=language, subject=subject, body=body, dedupe_key=key, send_at=send_at):
            created += 1
    return created


def appointment_context(appointment, **extra) -> dict:
    from booking.notifications import manage_url
    from booking.services import cancellation_deadline

    zone = _zone(appointment)
    deadline = cancellation_deadline(appointment)
    return {"appointment": appointment, "organization": appointment.organization, "client": appointment.client,
            "start": appointment.start.astimezone(zone), "end": appointment.end.astimezone(zone),
            "manage_url": manage_url(appointment), "deadline": deadline.astimezone(zone),
            "changeable": timezone.now() < deadline, "time_zone": str(zone), **extra}


def _never_booked(appointment) -> bool:
    """Held for an online payment and freed without becoming a booking (the client was never confirmed)."""
    from booking.models import AppointmentState

    return appointment.transitions.filter(from_state=AppointmentState.PENDING,
                                          to_state=AppointmentState.CANCELLED).exists()


def _booking_messages(appointment, kind: str) -> list[Message]:
    """The client's confirmation, change or cancellation (email with a calendar file; SMS when there is no
    email and the organization sends SMS), and for an online booking a note to the staff member."""
    from booking.models import Channel
    from booking.notifications import appointment_ics

    client, organization = appointment.client, appointment.organization
    policy = policy_for(organization)
    created: list[Message] = []
    if kind == TemplateKind.CONFIRMED and appointment.channel == Channel.WALK_IN:
        client = None  # the client is standing at the desk
    channel = None
    if client is not None and reachable(client, MessageChannel.EMAIL, purpose=MessagePurpose.TRANSACTIONAL,
                                        policy=policy):
        channel = MessageChannel.EMAIL
    elif client is not None and reachable(client, MessageChannel.SMS, purpose=MessagePurpose.TRANSACTIONAL,
                                          policy=policy):
        channel = MessageChannel.SMS
    if channel:
        language = client_language(client)
        subject, body = render_message(organization, kind, channel, language, appointment_context(appointment))
        if kind == TemplateKind.CONFIRMED:
            from notify.prepayment import paid_note

            note = paid_note(appointment, language)  # what was paid online for this booking, if anything
            body = f"{body.rstrip()}{note}\n" if note else body
        elif kind == TemplateKind.CANCELLED:
            from notify.series_reactions import given_back_note

            note = given_back_note(appointment, language)  # the visit back on the series card it was paid with
            body = f"{body.rstrip()}{note}\n" if note else body
        message = enqueue(organization=organization, client=client, appointment=appointment, channel=channel,
                         purpose=MessagePurpose.TRANSACTIONAL, kind=kind,
                         recipient=client.email if channel == MessageChannel.EMAIL else client.phone,
                         language=language, subject=subject, body=body,
                         dedupe_key=f"{kind}:{appointment.pk}:{appointment.revision}:{channel}",
                         send_at=timezone.now(),
                         ics=appointment_ics(appointment).decode() if channel == MessageChannel.EMAIL else "",
                         deliver=False)
        if message:
            created.append(message)
    staff_user = getattr(appointment.staff.membership, "user", None) if appointment.staff.membership_id else None
    if (kind == TemplateKind.CONFIRMED and appointment.channel == Channel.ONLINE and staff_user is not None
            and policy.notify_staff_of_online_bookings):
        language = staff_user.preferred_language or organization.default_language
        subject, body = render_message(organization, TemplateKind.STAFF_NEW_BOOKING, MessageChannel.EMAIL, language,
                                       appointment_context(appointment, panel_url=_calendar_url(appointment)))
        message = enqueue(organization=organization, client=appointment.client, appointment=appointment,
                         channel=MessageChannel.EMAIL, purpose=MessagePurpose.STAFF,
                         kind=TemplateKind.STAFF_NEW_BOOKING, recipient=staff_user.email, language=language,
                         subject=subject, body=body, dedupe_key=f"staff:{appointment.pk}", send_at=timezone.now(),
                         deliver=False)
        if message:
            created.append(message)
    return created


def _calendar_url(appointment) -> str:
    from django.urls import reverse

    return settings.SITE_URL.rstrip("/") + reverse("web:calendar_appointment",
                                                   args=[appointment.organization.slug, appointment.pk])


def appointment_changed(appointment_id: int, kind: str | None) -> list[int]:
    """On an appointment event (in the worker): queue the client's message and keep reminders in step.

    Booking messages are queued for delivery now, by the worker in its next task; reminders wait.
    A confirmation or change of an appointment cancelled meanwhile is not sent (its cancellation is).
    Returns the ids of the messages queued for immediate delivery.
    """
    from booking.models import ACTIVE_STATES, Appointment

    appointment = (Appointment.objects.select_related("organization", "client", "service", "staff__membership__user",
                                                      "location").filter(pk=appointment_id).first())
    if appointment is None:
        return []  # erased since: nothing left to tell anyone
    if kind in ("confirmed", "moved") and appointment.state not in ACTIVE_STATES:
        kind = None
    if kind == "cancelled" and _never_booked(appointment):
        kind = None  # a time held for a payment that never came: there was no booking to cancel
    with transaction.atomic(), translation.override(None):
        schedule_reminders(appointment)
        messages = _booking_messages(appointment, kind) if kind else []
        ids = [m.pk for m in messages]
        if ids:
            deliver_soon()  # in this transaction: the messages and their delivery task commit together
    return ids


def reschedule_client_reminders(client_id: int) -> None:
    """Bring the queued reminders of the client's upcoming appointments in step with their choices."""
    from booking.models import Appointment, AppointmentState

    upcoming = (Appointment.objects.filter(client_id=client_id, start__gt=timezone.now(),
                                           state__in=(AppointmentState.BOOKED, AppointmentState.CONFIRMED))
                .select_related("organization", "client", "service", "location"))
    with transaction.atomic(), translation.override(None):
        for appointment in upcoming:
            schedule_reminders(appointment)


PORTAL_LINK_KIND = "portal_link"
_SEALED_EMAIL = ("portal", "sign_in_email")  # label and field of the address sealed into the worker's task


def request_portal_link(*, organization, email: str) -> None:
    """Ask the worker to mail a portal sign-in link to `email` if it is a client's address.

    The request does exactly the same work for any address, a client's or not: it seals the
    address with the organization's key (so the task queue holds no address in clear) and
    enqueues one task. Looking the address up, issuing the link and sending it happen in the
    worker, so the answer's timing cannot tell who is a client (for a rehab clinic, being a
    client is itself health information).
    """
    from tenancy.keyring import encrypt_value

    sealed = encrypt_value(organization.pk, *_SEALED_EMAIL, email.strip().lower())
    send_portal_link.enqueue(organization.pk, sealed)


def queue_portal_link(*, organization, sealed_email: str) -> Message | None:
    """In the worker: issue the link and queue its email, if the sealed address is a client's."""
    from django.template.loader import render_to_string
    from django.utils.translation import gettext as _

    from clients.portal import LINK_MINUTES, issue_login_link
    from tenancy.keyring import decrypt_value

    email = decrypt_value(organization.pk, *_SEALED_EMAIL, sealed_email)
    with transaction.atomic():
        issued = issue_login_link(organization=organization, email=email)
        if issued is None:
            return None
        client, link = issued
        language = client_language(client)
        with translation.override(language), timezone.override(organization.time_zone):
            body = render_to_string("portal/email/link.txt", {"organization": organization, "link": link,
                                                              "minutes": LINK_MINUTES})
            subject = _("Your sign-in link to %(organization)s") % {"organization": organization.name}
        return enqueue(organization=organization, client=client, channel=MessageChannel.EMAIL,
                      purpose=MessagePurpose.SIGN_IN, kind=PORTAL_LINK_KIND, recipient=client.email,
                      language=language, subject=subject, body=body,
                      dedupe_key=f"{PORTAL_LINK_KIND}:{uuid.uuid4().hex}", send_at=timezone.now(),
                       deliver=False)  # send_portal_link delivers it at once


@task
def send_portal_link(organization_id: int, sealed_email: str) -> dict[str, int]:
    """In the worker: mail a portal sign-in link if the sealed address is a client's (see request_portal_link)."""
    from tenancy.models import Organization

    organization = Organization.objects.filter(pk=organization_id).first()
    message = queue_portal_link(organization=organization, sealed_email=sealed_email) if organization else None
    return deliver(ids=[message.pk]) if message else {"sent": 0}


INVITATION_KIND = "invitation"


def queue_invitation(invitation_id: int) -> Message | None:
    """In the worker: a staff invitation's email, in the organization's language and time zone."""
    from django.template.loader import render_to_string
    from django.utils.translation import gettext as _

    from accounts.models import Invitation
    from accounts.services import invitation_issue_link

    invitation = Invitation.objects.select_related("organization").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_open:
        return None
    organization = invitation.organization
    with transaction.atomic():
        link = invitation_issue_link(invitation=invitation)
        if link is None:
            return None
        with translation.override(organization.default_language), timezone.override(organization.time_zone):
            body = render_to_string("accounts/email/invitation.txt",
                                    {"organization": organization, "invitation": invitation, "link": link})
            subject = _("You are invited to %(organization)s on Tilli") % {"organization": organization.name}
        return enqueue(organization=organization, channel=MessageChannel.EMAIL, purpose=MessagePurpose.INVITATION,
                       kind=INVITATION_KIND, recipient=invitation.email, language=organization.default_language,
                       subject=subject, body=body, dedupe_key=f"{INVITATION_KIND}:{invitation.pk}")


SIGNUP_KIND = "signup_confirm"
SIGNUP_INVITATION_KIND = "signup_invitation"


def queue_signup_confirmation(signup_id: int) -> Message | None:
    """In the worker: a sign-up's confirmation link, in the language the business chose; nothing when
    the address or business is registered already (tenancy.signup.signup_issue_link decides)."""
    from django.template.loader import render_to_string
    from django.utils.translation import gettext as _

    from tenancy.models import SignupRequest
    from tenancy.signup import signup_issue_link

    signup = SignupRequest.objects.filter(pk=signup_id).first()
    if signup is None:
        return None
    with transaction.atomic():
        link = signup_issue_link(signup=signup)
        if link is None:
            return None
        with translation.override(signup.default_language):
            body = render_to_string("tenancy/email/signup_confirm.txt", {"signup": signup, "link": link,
                                                                         "hours": settings.SIGNUP_LINK_HOURS})
            subject = _("Confirm your email to start %(organization)s on Tilli") % {
                "organization": signup.organization_name}
        return enqueue(organization=None, channel=MessageChannel.EMAIL, purpose=MessagePurpose.SIGN_IN,
                       kind=SIGNUP_KIND, recipient=signup.email, language=signup.default_language,
                       subject=subject, body=body, dedupe_key=f"{SIGNUP_KIND}:{signup.pk}")


def queue_signup_invitation(invitation_id: int) -> Message | None:
    """In the worker: the operator's sign-up invitation with its single-use link."""
    from django.template.loader import render_to_string
    from django.utils.translation import gettext as _

    from tenancy.models import SignupInvitation
    from tenancy.signup import signup_invitation_issue_link

    invitation = SignupInvitation.objects.filter(pk=invitation_id).first()
    if invitation is None:
        return None
    with transaction.atomic():
        link = signup_invitation_issue_link(invitation=invitation)
        if link is None:
            return None
        with translation.override(invitation.language):
            body = render_to_string("tenancy/email/signup_invitation.txt", {"invitation": invitation, "link": link})
            subject = _("You are invited to start using Tilli")
        return enqueue(organization=None, channel=MessageChannel.EMAIL, purpose=MessagePurpose.INVITATION,
                       kind=SIGNUP_INVITATION_KIND, recipient=invitation.email, language=invitation.language,
                       subject=subject, body=body, dedupe_key=f"{SIGNUP_INVITATION_KIND}:{invitation.pk}")
