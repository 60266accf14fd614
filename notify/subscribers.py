"""What notify does when others publish: the client's booking messages and reminders follow the
appointment, and reminders follow the client's choices and restriction. Runs in the worker."""

from __future__ import annotations

from accounts.events import InvitationCreated
from billing.events import InvoiceReminded
from booking.events import (
    AppointmentArrived,
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentCompleted,
    AppointmentConfirmed,
    AppointmentMoved,
    AppointmentNoShow,
)
from booking.models import Channel
from clients.events import ClientChanged, ClientProcessingRestricted, ClientRestrictionLifted
from kernel.events import subscriber
from notify import (
    prepayment,  # noqa: F401 (a booking's online payment books, frees or refunds it)
    sale_reactions,  # noqa: F401 (registers the counter's reactions)
    series_reactions,  # noqa: F401 (a cancelled booking gives its series-card visit back)
)
from notify.webhooks import EVENT_LABELS as WEBHOOK_EVENTS
from tenancy.events import SignupInvited, SignupRequested

MESSAGE_KINDS = {AppointmentBooked: "confirmed", AppointmentMoved: "moved", AppointmentCancelled: "cancelled"}


@subscriber(AppointmentBooked, AppointmentMoved, AppointmentConfirmed, AppointmentArrived, AppointmentCompleted,
            AppointmentCancelled, AppointmentNoShow)
def appointment_messages(event) -> None:
    """Queue the client's confirmation, change or cancellation and bring the reminders in step.

    An appointment imported from another system gets no confirmation (the old system sent one), only
    its reminders."""
    from notify.services import appointment_changed

    imported = isinstance(event, AppointmentBooked) and event.channel == Channel.IMPORT
    appointment_changed(event.appointment_id, None if imported else MESSAGE_KINDS.get(type(event)))


REMINDER_FIELDS = {"reminders_by_email", "reminders_by_sms"}


@subscriber(ClientChanged, ClientProcessingRestricted, ClientRestrictionLifted)
def client_reminders(event) -> None:
    """A restriction cancels the queued reminders, lifting it or a new choice of channels re-plans them."""
    from notify.services import reschedule_client_reminders

    if isinstance(event, ClientChanged) and not REMINDER_FIELDS & set(event.fields):
        return
    reschedule_client_reminders(event.client_id)


@subscriber(InvitationCreated)
def invitation_mail(event: InvitationCreated) -> None:
    """Issue the invitation's link and queue its email (the link lives only in the mail, wiped once sent)."""
    from notify.services import queue_invitation

    queue_invitation(event.invitation_id)


@subscriber(SignupRequested)
def signup_mail(event: SignupRequested) -> None:
    """Mail a sign-up's confirmation link, unless its address or business is registered already."""
    from notify.services import queue_signup_confirmation

    queue_signup_confirmation(event.signup_id)


@subscriber(SignupInvited)
def signup_invitation_mail(event: SignupInvited) -> None:
    """Mail the operator's sign-up invitation (the link lives only in the mail, wiped once sent)."""
    from notify.services import queue_signup_invitation

    queue_signup_invitation(event.invitation_id)


def _webhook_event_types():
    from kernel.events import EVENT_TYPES

    return [EVENT_TYPES[name] for name in WEBHOOK_EVENTS if name in EVENT_TYPES]


@subscriber(*_webhook_event_types())
def webhook_deliveries(event) -> None:
    """One signed delivery per endpoint of the organization that chose this event type."""
    from notify.webhooks import queue_for_event

    queue_for_event(event)


@subscriber(InvoiceReminded)
def invoice_reminder_mail(event: InvoiceReminded) -> None:
    """Queue the payment reminder's email that billing counted."""
    from notify.invoice_mail import queue_invoice_reminder

    queue_invoice_reminder(event.invoice_id)
