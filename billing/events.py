"""What billing publishes (kernel.events)."""

from __future__ import annotations

from dataclasses import dataclass

from kernel.events import Event


@dataclass(frozen=True, kw_only=True)
class SaleCompleted(Event):
    """A receipt was written at the counter (emailed if `Sale.email_to` is set)."""

    name = "billing.sale_completed"
    sale_id: int
    client_id: int | None
    appointment_id: int | None


@dataclass(frozen=True, kw_only=True)
class SaleRefunded(Event):
    """A credit receipt (`sale_id`) was written for the receipt `refers_to_id`."""

    name = "billing.sale_refunded"
    sale_id: int
    refers_to_id: int
    client_id: int | None


@dataclass(frozen=True, kw_only=True)
class ReceiptEmailRequested(Event):
    """A copy of the receipt is to be emailed to `Sale.email_to` (the address itself is not in the event)."""

    name = "billing.receipt_email_requested"
    sale_id: int
    audit_event_id: int  # the audit row of the request: each request is its own email


@dataclass(frozen=True, kw_only=True)
class PaymentPolicySaved(Event):
    """An online payment policy was created or changed (`service_id` None: the organization's default)."""

    name = "billing.payment_policy_saved"
    policy_id: int
    service_id: int | None


@dataclass(frozen=True, kw_only=True)
class PaymentPolicyRemoved(Event):
    """A service's own payment policy was removed: the service follows the organization's default again."""

    name = "billing.payment_policy_removed"
    service_id: int


@dataclass(frozen=True, kw_only=True)
class GatewayConnectionChanged(Event):
    """The organization started (`kind` "connected") or stopped ("disconnected") taking online payments through the
    connection's gateway."""

    name = "billing.gateway_connection_changed"
    connection_id: int
    kind: str


@dataclass(frozen=True, kw_only=True)
class TillOpened(Event):
    name = "billing.till_opened"
    till_id: int
    session_id: int


@dataclass(frozen=True, kw_only=True)
class CashMoved(Event):
    name = "billing.cash_moved"
    session_id: int
    movement_id: int
    kind: str


@dataclass(frozen=True, kw_only=True)
class TillClosed(Event):
    name = "billing.till_closed"
    till_id: int
    session_id: int


@dataclass(frozen=True, kw_only=True)
class ProductSaved(Event):
    name = "billing.product_saved"
    product_id: int
    kind: str  # "created" or "changed"


@dataclass(frozen=True, kw_only=True)
class StockChanged(Event):
    name = "billing.stock_changed"
    product_id: int
    movement_id: int
    kind: str  # the StockReason


@dataclass(frozen=True, kw_only=True)
class CommissionRateSet(Event):
    name = "billing.commission_rate_set"
    membership_id: int


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


@dataclass(frozen=True, kw_only=True)
class SeriesVisitTaken(Event):
    """A visit of a series card is held by an appointment booked online with it."""

    name = "billing.series_visit_taken"
    voucher_id: int
    appointment_id: int


@dataclass(frozen=True, kw_only=True)
class SeriesVisitReleased(Event):
    """The held visit was given back to the card (the appointment was cancelled)."""

    name = "billing.series_visit_released"
    voucher_id: int
    appointment_id: int


@dataclass(frozen=True, kw_only=True)
class OnlinePaymentEvent(Event):
    """Something happened to an online payment (billing.models.OnlinePayment); ids and codes only."""

    payment_id: int
    appointment_id: int | None
    kind: str  # OnlinePaymentKind


@dataclass(frozen=True, kw_only=True)
class OnlinePaymentCreated(OnlinePaymentEvent):
    name = "billing.online_payment_created"


@dataclass(frozen=True, kw_only=True)
class OnlinePaymentPaid(OnlinePaymentEvent):
    """The gateway confirmed the payment (or, for a card guarantee, saved the card)."""

    name = "billing.online_payment_paid"


@dataclass(frozen=True, kw_only=True)
class OnlinePaymentFailed(OnlinePaymentEvent):
    """Refused, cancelled by the payer, or the gateway could not be reached to start it."""

    name = "billing.online_payment_failed"


@dataclass(frozen=True, kw_only=True)
class OnlinePaymentLapsed(OnlinePaymentEvent):
    """Not paid before the appointment's hold lapsed."""

    name = "billing.online_payment_lapsed"


@dataclass(frozen=True, kw_only=True)
class OnlinePaymentKept(OnlinePaymentEvent):
    """A late cancellation or a no-show: the payment is kept under the policy, by a staff member's decision."""

    name = "billing.online_payment_kept"


@dataclass(frozen=True, kw_only=True)
class OnlineRefundRequested(OnlinePaymentEvent):
    """A refund is to be sent to the gateway (the worker does it, retrying with the event backoff)."""

    name = "billing.online_refund_requested"
    refund_id: int


@dataclass(frozen=True, kw_only=True)
class OnlineRefundDone(OnlinePaymentEvent):
    name = "billing.online_refund_done"
    refund_id: int


@dataclass(frozen=True, kw_only=True)
class OnlineRefundFailed(OnlinePaymentEvent):
    name = "billing.online_refund_failed"
    refund_id: int
