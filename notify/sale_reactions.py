"""What follows a sale at the counter, in the worker: the appointment it settles is completed, and the
receipt is emailed whenever it is asked for (at the sale or later) (through the outbox, like every email).

Billing and booking do not know each other; this reaction layer is where the two meet. Both reactions
are idempotent: a completed appointment stays as it is, and a receipt's email has a dedupe key."""

from __future__ import annotations

from django.utils import timezone

from billing.events import ReceiptEmailRequested, SaleCompleted
from kernel.audit import Actor
from kernel.events import subscriber

RECEIPT_KIND = "receipt"


@subscriber(SaleCompleted)
def complete_the_appointment(event: SaleCompleted) -> None:
    from booking.models import ALLOWED_TRANSITIONS, Appointment, AppointmentState
    from booking.services import appointment_transition

    if event.appointment_id is None:
        return
    appointment = Appointment.objects.filter(organization_id=event.organization_id, pk=event.appointment_id).first()
    if appointment is None or AppointmentState.COMPLETED not in ALLOWED_TRANSITIONS[appointment.state]:
        return  # gone, already completed, or cancelled meanwhile: the receipt stands either way
    appointment_transition(appointment=appointment, to_state=AppointmentState.COMPLETED,
                           actor=Actor.system("checkout"), reason="")


@subscriber(ReceiptEmailRequested)
def email_the_receipt(event: ReceiptEmailRequested) -> None:
    queue_receipt_email(event.sale_id, f"{RECEIPT_KIND}:{event.sale_id}:{event.audit_event_id}")


def queue_receipt_email(sale_id: int, dedupe_key: str):
    from billing.models import Sale
    from billing.receipts import receipt_email
    from notify.models import MessageChannel, MessagePurpose
    from notify.outbox import enqueue

    sale = Sale.objects.select_related("organization", "client").filter(pk=sale_id).first()
    if sale is None or not sale.email_to or sale.restricted_until is not None:
        return None
    with timezone.override(sale.organization.time_zone):
        subject, body = receipt_email(sale)
    return enqueue(organization=sale.organization, channel=MessageChannel.EMAIL, purpose=MessagePurpose.TRANSACTIONAL,
                   kind=RECEIPT_KIND, recipient=sale.email_to, language=sale.language, subject=subject, body=body,
                   dedupe_key=dedupe_key, client=sale.client)
