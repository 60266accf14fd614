"""Paytrail (Finnish banks, MobilePay, cards) through the Paytrail Payment API (docs.paytrail.com).

Every API request is signed: the `checkout-*` headers, sorted, as "name:value" lines, then the body (an empty
string for none), joined with line feeds, HMAC-SHA256 (or -SHA512) with the merchant secret, hex, in the
`signature` header. Answers are signed the same way and we verify them. The customer's return and
Paytrail's callback are signed GET requests whose `checkout-*` query parameters are signed with an empty
body; `settle` verifies those.

Our payment's reference is Paytrail's `stamp` (unique per merchant: Paytrail refuses a second payment with
the same stamp, which is what makes a retried create safe) and our refund's reference its `refundStamp`.
Paytrail's refund callback carries the same parameters as a payment callback and does not say it is one,
so the callback URL we give for a refund carries the marker `tilli-refund=<refund stamp>`; the marker is
not signed, so `settle` accepts it only when it equals the signed `checkout-stamp` (docs/gateways/paytrail.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.parse
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from billing.gateways import http
from billing.gateways.base import (
    Checkout,
    GatewayError,
    Notification,
    PaymentGateway,
    PaymentRequest,
    PaymentStatus,
    RefundResult,
    SignatureRefused,
)

ALGORITHMS = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}
LANGUAGES = {"fi": "FI", "sv": "SV", "en": "EN"}  # Paytrail's page has no Polish: pl and others get EN
REFUND_MARKER = "tilli-refund"
PLATFORM_NAME = "tilli"
PAYMENT_STATUSES = {"ok": PaymentStatus.PAID, "pending": PaymentStatus.PENDING,
                    "delayed": PaymentStatus.PENDING, "fail": PaymentStatus.FAILED}
REFUND_STATUSES = {"ok": PaymentStatus.REFUNDED, "pending": PaymentStatus.PENDING,
                   "fail": PaymentStatus.REFUND_FAILED}


def signature(secret: str, algorithm: str, fields: dict[str, str], body: str) -> str:
    """Paytrail's HMAC: the checkout-* fields sorted as "name:value" lines, then the body, joined by "\\n"."""
    lines = [f"{name}:{fields[name]}" for name in sorted(fields) if name.startswith("checkout-")]
    payload = "\n".join([*lines, body])
    return hmac.new(secret.encode(), payload.encode(), ALGORITHMS[algorithm]).hexdigest()


def _vat_number(vat: Decimal) -> int | float:
    # Paytrail takes a JSON number with at most one decimal (25.5); a percentage, not money, and a
    # one-decimal float prints exactly as written.
    return int(vat) if vat == vat.to_integral_value() else float(vat)


class PaytrailGateway(PaymentGateway):
    name = "paytrail"

    def __init__(self, *, account: str, secret: str, api_base: str, timeout: float,
                 algorithm: str = "sha256", vat_percentage: Decimal = Decimal("25.5")) -> None:
        if algorithm not in ALGORITHMS:
            raise ImproperlyConfigured("Paytrail: the signature algorithm must be sha256 or sha512.")
        if vat_percentage != vat_percentage.quantize(Decimal("0.1")) or not 0 <= vat_percentage <= 100:
            raise ImproperlyConfigured("Paytrail: the VAT percentage is 0 to 100 with at most one decimal.")
        self.account = account
        self.secret = secret
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout
        self.algorithm = algorithm
        self.vat_percentage = vat_percentage

    @classmethod
    def from_settings(cls) -> PaytrailGateway:
        values = {}
        for name in ("PAYTRAIL_ACCOUNT", "PAYTRAIL_SECRET", "PAYTRAIL_API_BASE"):
            value = getattr(settings, name, "")
            if not isinstance(value, str) or not value.strip():
                raise ImproperlyConfigured(f"{name} must be set when PAYMENT_GATEWAYS includes paytrail.")
            values[name] = value.strip()
        return cls(account=values["PAYTRAIL_ACCOUNT"], secret=values["PAYTRAIL_SECRET"],
                   api_base=values["PAYTRAIL_API_BASE"], timeout=settings.PAYMENT_GATEWAY_TIMEOUT)

    # -- API calls -------------------------------------------------------------------------------

    def _call(self, method: str, path: str, payload: dict[str, Any] | None, *,
              transaction_id: str = "") -> dict[str, Any]:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False) if payload is not None else ""
        headers = {
            "checkout-account": self.account,
            "checkout-algorithm": self.algorithm,
            "checkout-method": method,
            "checkout-nonce": str(uuid.uuid4()),
            "checkout-timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        if transaction_id:
            headers["checkout-transaction-id"] = transaction_id
        headers["signature"] = signature(self.secret, self.algorithm, headers, body)
        headers["platform-name"] = PLATFORM_NAME
        if payload is not None:
            headers["content-type"] = "application/json; charset=utf-8"
        answer = http.request(prefix="paytrail", method=method, url=self.api_base + path, headers=headers,
                              body=body.encode() if payload is not None else None, timeout=self.timeout)
        if not 200 <= answer.status < 300:
            raise http.status_error("paytrail", answer.status)
        self._verify_answer(answer)
        data = answer.json()
        if not isinstance(data, dict):
            raise GatewayError("paytrail:bad-answer", retryable=False)
        return data

    def _verify_answer(self, answer: http.HttpAnswer) -> None:
        """Paytrail signs its answers like our requests; an answer that does not verify is not trusted.
        Not retryable: the request may have been carried out, and its stamp cannot be used again."""
        algorithm = answer.headers.get("checkout-algorithm", "")
        given = answer.headers.get("signature", "")
        if algorithm not in ALGORITHMS or not given:
            raise GatewayError("paytrail:answer-unsigned", retryable=False)
        try:
            body = answer.body.decode("utf-8")
        except UnicodeDecodeError:
            raise GatewayError("paytrail:bad-answer", retryable=False) from None
        expected = signature(self.secret, algorithm, answer.headers, body)
        if not hmac.compare_digest(expected, given.lower()):
            raise GatewayError("paytrail:answer-signature", retryable=False)

    def start(self, request: PaymentRequest) -> Checkout:
        if request.currency != "EUR":
            raise GatewayError("paytrail:currency", retryable=False)
        if request.amount_minor <= 0:
            raise GatewayError("paytrail:amount", retryable=False)
        payload = {
            "stamp": request.reference,
            "reference": request.reference,
            "amount": request.amount_minor,
            "currency": request.currency,
            "language": LANGUAGES.get(request.language, "EN"),
            "items": [{
                "unitPrice": request.amount_minor,
                "units": 1,
                "vatPercentage": _vat_number(self.vat_percentage),
                "productCode": "booking",
                "description": request.description[:1000],
            }],
            "customer": {"email": request.email},
            "redirectUrls": {"success": request.return_url, "cancel": request.cancel_url},
            "callbackUrls": {"success": request.notify_url, "cancel": request.notify_url},
        }
        data = self._call("POST", "/payments", payload)
        transaction_id, href = data.get("transactionId"), data.get("href")
        if not isinstance(transaction_id, str) or not transaction_id or not isinstance(href, str) \
                or urllib.parse.urlsplit(href).scheme not in ("https", "http"):
            raise GatewayError("paytrail:bad-answer", retryable=False)
        return Checkout(provider_ref=transaction_id, redirect_url=href)

    def refund(self, *, payment: Notification, amount_minor: int, reference: str, notify_url: str) -> RefundResult:
        if amount_minor <= 0 or amount_minor > payment.amount_minor:
            raise GatewayError("paytrail:refund-amount", retryable=False)
        callback = _with_query(notify_url, {REFUND_MARKER: reference})
        payload = {
            "amount": amount_minor,
            "refundStamp": reference,
            "refundReference": reference,
            "callbackUrls": {"success": callback, "cancel": callback},
        }
        transaction_id = payment.provider_ref
        data = self._call("POST", f"/payments/{urllib.parse.quote(transaction_id, safe='')}/refund", payload,
                          transaction_id=transaction_id)
        status = data.get("status")
        if status not in REFUND_STATUSES:
            raise GatewayError("paytrail:bad-answer", retryable=False)
        return RefundResult(provider_ref=str(data.get("transactionId") or ""), status=REFUND_STATUSES[status])

    # -- Returns and callbacks -------------------------------------------------------------------

    def settle(self, *, method: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> Notification:
        """Verify a redirect or callback: a GET whose checkout-* query parameters are signed (empty body).
        Every checkout-* parameter is signed, including ones Paytrail adds later (the docs ask for that)."""
        if method.upper() != "GET":
            raise SignatureRefused("paytrail:method")
        algorithm = query.get("checkout-algorithm", "")
        given = query.get("signature", "")
        if algorithm not in ALGORITHMS or not given:
            raise SignatureRefused("paytrail:signature")
        expected = signature(self.secret, algorithm, query, "")
        if not hmac.compare_digest(expected, given.lower()):
            raise SignatureRefused("paytrail:signature")
        if query.get("checkout-account") != self.account:
            raise SignatureRefused("paytrail:account")
        stamp = query.get("checkout-stamp", "")
        amount = query.get("checkout-amount", "")
        status = query.get("checkout-status", "")
        if not stamp or not amount.isdigit():
            raise SignatureRefused("paytrail:fields")
        marker = query.get(REFUND_MARKER)
        is_refund = marker is not None
        if is_refund and marker != stamp:
            raise SignatureRefused("paytrail:refund-marker")
        statuses = REFUND_STATUSES if is_refund else PAYMENT_STATUSES
        if status not in statuses:
            raise SignatureRefused("paytrail:status")
        # A refund that failed validation has no transaction yet: the stamp names the event then.
        transaction_id = query.get("checkout-transaction-id", "")
        return Notification(
            reference=stamp,
            provider_ref=transaction_id,
            status=statuses[status],
            amount_minor=int(amount),
            currency="EUR",  # Paytrail takes EUR only, and its callbacks do not repeat the currency
            event_id=f"{'refund' if is_refund else 'payment'}:{transaction_id or stamp}:{status}",
            is_refund=is_refund,
        )


def _with_query(url: str, extra: dict[str, str]) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True) + list(extra.items())
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


GATEWAY = PaytrailGateway
