"""The payment gateway interface: every provider is one class behind this base.

Tilli never sees card data: a payment starts on the provider's hosted page (`start` returns where to send
the customer) and ends with a notification the provider signs (`settle`), which the gateway verifies, and,
where the provider requires it (Przelewy24's transaction/verify), acknowledges with a call of its own
before it answers PAID. Amounts are integers in minor units (cents, grosze) and the currency comes from our
server, never from the browser. Every request that changes money carries our idempotency key, so a retried
request cannot charge or refund twice.

Errors carry a short code (`GatewayError.code`), never a name, an email or a card detail, so they can be
logged and stored safely; `retryable` says whether trying again later can help (timeouts, 5xx, 429).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum


class GatewayError(Exception):
    def __init__(self, code: str, *, retryable: bool) -> None:
        super().__init__(code)
        self.code = code[:100]
        self.retryable = retryable


class SignatureRefused(GatewayError):
    """A notification or return whose signature (or timestamp) does not verify: answered 400, changes nothing."""

    def __init__(self, code: str) -> None:
        super().__init__(code, retryable=False)


class PaymentStatus(StrEnum):
    PAID = "paid"
    PENDING = "pending"  # the provider has not decided yet (a bank transfer in progress)
    FAILED = "failed"  # refused or cancelled by the payer; the hold may lapse
    REFUNDED = "refunded"  # a refund we asked for is done
    REFUND_FAILED = "refund_failed"


@dataclass(frozen=True)
class PaymentRequest:
    reference: str  # our payment's stamp: unique, also the idempotency key (no personal data in it)
    amount_minor: int  # e.g. 2550 for 25.50 EUR
    currency: str  # ISO 4217: "EUR", "PLN"
    description: str  # shown on the provider's page: service and business, no personal data
    email: str  # the payer's email (Paytrail and Przelewy24 require it; sent only to the provider)
    language: str  # "fi", "sv", "pl", "en": the hosted page's language where the provider has it
    country: str  # "FI", "PL"
    return_url: str  # where the customer comes back after paying (we verify the return, too)
    cancel_url: str  # where the customer comes back after cancelling
    notify_url: str  # the provider's server-to-server notification (webhook / callback / urlStatus)


@dataclass(frozen=True)
class Checkout:
    provider_ref: str  # the provider's id: Stripe Checkout Session id, Paytrail transactionId, P24 token
    redirect_url: str  # the hosted payment page


@dataclass(frozen=True)
class Notification:
    """A verified notification (or verified return) about one payment or refund."""

    reference: str  # our payment's stamp (or, for a refund, our refund's stamp)
    provider_ref: str  # the provider's transaction/session id; for a card on file, the payment method id
    status: PaymentStatus
    amount_minor: int
    currency: str
    event_id: str  # unique per notification: a replay of the same event id is refused by the caller
    is_refund: bool = False
    customer_ref: str = ""  # Stripe: the customer a card on file belongs to


@dataclass(frozen=True)
class RefundResult:
    provider_ref: str  # the provider's refund id
    status: PaymentStatus  # REFUNDED when done at once, PENDING when a notification will follow


class PaymentGateway(ABC):
    name: str = ""  # "stripe", "paytrail", "przelewy24"
    supports_card_on_file: bool = False

    @abstractmethod
    def start(self, request: PaymentRequest) -> Checkout:
        """Create the payment at the provider (idempotent on request.reference) and return its hosted page."""

    @abstractmethod
    def settle(self, *, method: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> Notification:
        """Verify a notification or a customer's return exactly as the provider documents it, and return what it
        says; raise SignatureRefused when it does not verify, GatewayError when the provider cannot be reached
        for a required acknowledgement. `headers` keys are lower-case."""

    @abstractmethod
    def refund(self, *, payment: Notification, amount_minor: int, reference: str, notify_url: str) -> RefundResult:
        """Refund `amount_minor` of a paid payment; `reference` is our refund's stamp and idempotency key."""

    def notification_answer(self) -> tuple[int, str, str]:
        """(status, content type, body) the provider expects as the answer to an accepted notification."""
        return 200, "text/plain", "OK"

    # A card on file (Stripe only): a hosted setup page, then an off-session charge of the no-show fee.
    def start_card_setup(self, request: PaymentRequest) -> Checkout:
        raise GatewayError(f"{self.name}:card-on-file-unsupported", retryable=False)

    def charge_card(self, *, customer_ref: str, payment_method_ref: str, amount_minor: int, currency: str,
                    reference: str, description: str) -> Notification:
        raise GatewayError(f"{self.name}:card-on-file-unsupported", retryable=False)
