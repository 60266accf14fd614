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
