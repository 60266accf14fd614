"""Billing's own reactions, in the worker: each receipt of a Polish seller goes to the fiscal device, if one
is configured (Finland has no fiscal devices; one server may host sellers of both countries).

The sale commits first and the device is called afterwards, so an unreachable device never stops the
counter: the delivery is retried with the event log's backoff until the device has registered the receipt
(FiscalRegistration), and a registered receipt is never sent twice."""

from __future__ import annotations

from django.db import transaction

from billing import online_payments  # noqa: F401 (registers the worker's refund sending)
from billing.events import SaleCompleted, SaleRefunded
from billing.fiscal import fiscal_gateway
from billing.models import FiscalRegistration, Sale
from kernel.audit import Actor, record
from kernel.events import subscriber
from kernel.models import AuditAction
from tenancy.models import Organization


@subscriber(SaleCompleted, SaleRefunded)
def register_with_the_fiscal_device(event: SaleCompleted | SaleRefunded) -> None:
    gateway = fiscal_gateway()
    if not gateway.registers or not Organization.objects.filter(pk=event.organization_id, country="PL").exists():
        return
    with transaction.atomic():
        sale = (Sale.objects.select_for_update().select_related("organization")
                .filter(organization_id=event.organization_id, pk=event.sale_id).first())
        if sale is None or FiscalRegistration.objects.filter(sale=sale).exists():
            return  # deleted after its retention period, or registered by an earlier attempt
        result = gateway.register(sale)  # FiscalError: the delivery is retried later
        registration = FiscalRegistration.objects.create(
            organization=sale.organization, sale=sale, device=result.device, fiscal_number=result.fiscal_number,
            registered_at=result.at)
        record(organization=sale.organization, actor=Actor.system("fiscal register"), action=AuditAction.CREATE,
               obj=registration, changed_fields=["fiscal_number"],
               detail={"receipt": sale.receipt_number, "device": result.device})
