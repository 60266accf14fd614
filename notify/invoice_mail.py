"""Payment reminders of invoices: the email queued when billing counts a reminder (InvoiceReminded)."""

from __future__ import annotations

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notify.models import Message, MessageChannel, MessagePurpose
from notify.outbox import enqueue

REMINDER_KIND = "invoice_reminder"


def queue_invoice_reminder(invoice_id: int) -> Message | None:
    """In the worker: the reminder email of an invoice, in the invoice's language, to the address on it.

    One message per reminder counted (the dedupe key carries the count), none for a client restricted
    since, or an invoice paid or credited in the meantime."""
    from billing.invoice_pdf import payment_details
    from billing.models import Invoice, InvoiceStatus

    invoice = Invoice.objects.select_related("organization", "client").filter(pk=invoice_id).first()
    if invoice is None or invoice.status != InvoiceStatus.OPEN or not invoice.buyer_email:
        return None
    if invoice.client.restricted_at or invoice.client.erased_at:
        return None
    organization = invoice.organization
    with translation.override(invoice.language), timezone.override(organization.time_zone):
        body = render_to_string("billing/email/invoice_reminder.txt", {
            "invoice": invoice, "organization": organization, "fee": invoice.reminder_fees,
            "payment": payment_details(invoice, overdue=True)})
        subject = _("Payment reminder: invoice %(number)s from %(organization)s") % {
            "number": str(invoice), "organization": organization.name}
    with transaction.atomic():
        return enqueue(organization=organization, client=invoice.client, channel=MessageChannel.EMAIL,
                       purpose=MessagePurpose.TRANSACTIONAL, kind=REMINDER_KIND, recipient=invoice.buyer_email,
                       language=invoice.language, subject=subject, body=body,
                       dedupe_key=f"{REMINDER_KIND}:{invoice.pk}:{invoice.reminders_sent}")
