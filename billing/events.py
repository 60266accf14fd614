"""What billing publishes (kernel.events)."""

from __future__ import annotations

from dataclasses import dataclass

from kernel.events import Event


@dataclass(frozen=True, kw_only=True)
class PaymentRecorded(Event):
    name = "billing.payment_recorded"
    payment_id: int
    client_id: int
    appointment_id: int | None


@dataclass(frozen=True, kw_only=True)
class InvoiceIssued(Event):
    name = "billing.invoice_issued"
    invoice_id: int
    client_id: int
    kind: str


@dataclass(frozen=True, kw_only=True)
class InvoicePaid(Event):
    name = "billing.invoice_paid"
    invoice_id: int


@dataclass(frozen=True, kw_only=True)
class InvoiceReminded(Event):
    name = "billing.invoice_reminded"
    invoice_id: int
