"""Recording payments: receipts numbered consecutively per organization, audited."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.events import PaymentRecorded
from billing.models import Payment
from clients.models import Client
from kernel.audit import Actor, record
from kernel.events import publish
from kernel.models import AuditAction
from tenancy.models import Organization
from tilli.lib.addresses import address_of


def _payer_address(client: Client) -> str:
    if client.billing_address:
        return client.billing_address
    return "\n".join(address_of(client, country=client.organization.country))


@transaction.atomic
def payment_record(*, organization: Organization, client: Client, amount: Decimal, method: str, actor: Actor,
                   description: str = "", vat_rate: Decimal = Decimal("0"), currency: str = "",
                   paid_at=None, appointment=None) -> Payment:
    """Store a payment with the next receipt number and a snapshot of the payer as the receipt shows it."""
    if client.organization_id != organization.pk:
        raise ValidationError(_("Choose a client of this organization."))
    if client.restricted_at or client.erased_at:
        raise ValidationError(_("This client's data is restricted: it may be stored but not otherwise used."))
    Organization.objects.select_for_update().filter(pk=organization.pk).first()  # serialize receipt numbers
    last = Payment.objects.for_organization(organization).aggregate(n=Max("receipt_number"))["n"] or 0
    payment = Payment(organization=organization, client=client, appointment=appointment, receipt_number=last + 1,
                      paid_at=paid_at or timezone.now(), amount=amount, method=method, description=description,
                      vat_rate=vat_rate, currency=currency or ("PLN" if organization.country == "PL" else "EUR"),
                      payer_name=client.billing_name or client.display_name, payer_address=_payer_address(client),
                      payer_business_id=client.business_id, recorded_by_user_id=actor.user_id)
    payment.full_clean(exclude=["organization", "client", "appointment"])
    payment.save()
    record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=payment,
           subject_ref=client.subject_ref, changed_fields=["amount", "method", "paid_at"])
    publish(PaymentRecorded(organization_id=organization.pk, payment_id=payment.pk, client_id=client.pk,
                            appointment_id=payment.appointment_id))
    return payment
