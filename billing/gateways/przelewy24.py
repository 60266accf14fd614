"""Przelewy24 (BLIK, Polish banks, cards) through its REST API v1 (docs/gateways/przelewy24.md).

The flow the provider documents: `transaction/register` returns a token and the customer pays on the hosted
page `/trnRequest/{token}`; Przelewy24 then POSTs a signed JSON notification to our `urlStatus`, and the
payment is ours only after we confirm it with `transaction/verify` (until then Przelewy24 treats it as not
accepted and returns the money to the payer). The customer's return to `urlReturn` carries nothing signed:
the return page waits for the notification, `settle` refuses a return.

Every request uses HTTP Basic auth (posId, the API key) and JSON; each body that matters carries `sign`, the
SHA-384 hex of a small JSON object of named fields plus the CRC key, encoded like PHP's `json_encode` with
JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES (no spaces; slashes and non-ASCII letters as they are).

HTTP through `billing.gateways.http` (redirects not followed; no answer, 408, 425, 429 and 5xx are retryable).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
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

PREFIX = "p24"
# The hosted page's languages are ISO 639-1 codes from Przelewy24's list (bg, cs, de, en, es, fr, hr, hu, it,
# nl, pl, pt, se, sk, ro; Swedish is "se" there); Finnish is not offered, so it gets English.
LANGUAGES = {"pl": "pl", "en": "en", "sv": "se", "fi": "en"}
URL_MAX = 250  # urlReturn, urlStatus
REFUNDS_UUID_MAX = 35
REQUEST_ID_MAX = 45

# The fields each signature covers, in the documented order (the order is part of the signed JSON).
REGISTER_SIGN = ("sessionId", "merchantId", "amount", "currency", "crc")
NOTIFICATION_SIGN = ("merchantId", "posId", "sessionId", "amount", "originAmount", "currency", "orderId",
                     "methodId", "statement", "crc")
VERIFY_SIGN = ("sessionId", "orderId", "amount", "currency", "crc")
REFUND_NOTIFICATION_SIGN = ("orderId", "sessionId", "refundsUuid", "merchantId", "amount", "currency", "status",
                            "crc")
# The type of every field a notification signs (a string where a number is due does not verify).
_INT_FIELDS = frozenset({"merchantId", "posId", "amount", "originAmount", "orderId", "methodId", "status"})


def sign(fields: dict[str, Any], order: tuple[str, ...]) -> str:
    """SHA-384 hex of the JSON of `fields` taken in `order` (the last one, "crc", included by the caller),
    encoded as PHP's json_encode(..., JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES) does."""
    text = json.dumps({name: fields[name] for name in order}, separators=(",", ":"), ensure_ascii=False)
    # PHP escapes the two Unicode line terminators even with JSON_UNESCAPED_UNICODE (and "/" is never escaped
    # by Python's json).
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return hashlib.sha384(text.encode("utf-8")).hexdigest()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Przelewy24Gateway(PaymentGateway):
    name = "przelewy24"

    def __init__(self, *, merchant_id: int, pos_id: int, crc: str, api_key: str, api_base: str,
                 timeout: float) -> None:
        self.merchant_id = merchant_id
        self.pos_id = pos_id
        self.crc = crc
        self.api_key = api_key
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> Przelewy24Gateway:
        """Built from P24_MERCHANT_ID, P24_POS_ID, P24_CRC, P24_API_KEY, P24_API_BASE; loud when one is missing."""
        values = {name: getattr(settings, name, None)
                  for name in ("P24_MERCHANT_ID", "P24_POS_ID", "P24_CRC", "P24_API_KEY", "P24_API_BASE")}
        missing = [name for name, value in values.items() if value in (None, "", 0)]
        if missing:
            raise ImproperlyConfigured(f"Przelewy24 needs the setting(s) {', '.join(missing)}.")
        for name in ("P24_MERCHANT_ID", "P24_POS_ID"):
            if not _is_int(values[name]) or values[name] < 1:
                raise ImproperlyConfigured(f"{name} must be a positive integer.")
        return cls(merchant_id=values["P24_MERCHANT_ID"], pos_id=values["P24_POS_ID"], crc=values["P24_CRC"],
                   api_key=values["P24_API_KEY"], api_base=values["P24_API_BASE"],
                   timeout=settings.PAYMENT_GATEWAY_TIMEOUT)

    # -- HTTP ------------------------------------------------------------------------------------------------

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> tuple[int, Any]:
        """One request to the API: (status, JSON answer or None); a retryable GatewayError when there is no answer."""
        credentials = base64.b64encode(f"{self.pos_id}:{self.api_key}".encode()).decode("ascii")
        headers = {"Accept": "application/json", "Authorization": f"Basic {credentials}"}
        data = None
        if payload is not None:
            data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        answer = http.request(prefix=PREFIX, method=method, url=self.api_base + path, headers=headers, body=data,
                              timeout=self.timeout)
        return answer.status, answer.json()

    @staticmethod
    def _status_error(action: str, status: int) -> GatewayError:
        """A non-success answer: the provider's free-text `error` is left out of the code on purpose."""
        return http.status_error(f"{PREFIX}:{action}", status)

    # -- Payments --------------------------------------------------------------------------------------------

    def start(self, request: PaymentRequest) -> Checkout:
        """transaction/register, then the hosted page /trnRequest/{token}.

        Przelewy24 has no idempotency key for registration: a retried registration gets a new token for the
        same sessionId, and only the one the customer pays is ever notified and verified."""
        if not _is_int(request.amount_minor) or request.amount_minor <= 0:
            raise GatewayError(f"{PREFIX}:amount", retryable=False)
        if not (len(request.currency) == 3 and request.currency.isascii() and request.currency.isupper()):
            raise GatewayError(f"{PREFIX}:currency", retryable=False)
        if max(len(request.return_url), len(request.notify_url)) > URL_MAX:
            raise GatewayError(f"{PREFIX}:url-too-long", retryable=False)
        if not 0 < len(request.reference) <= 100:
            raise GatewayError(f"{PREFIX}:session-id", retryable=False)
        if not 0 < len(request.email) <= 50:
            raise GatewayError(f"{PREFIX}:email", retryable=False)
        body: dict[str, Any] = {
            "merchantId": self.merchant_id,
            "posId": self.pos_id,
            "sessionId": request.reference,
            "amount": request.amount_minor,
            "currency": request.currency,
            "description": request.description[:1024],
            "email": request.email,
            "country": request.country.upper(),
            "language": LANGUAGES.get(request.language, "en"),
            "urlReturn": request.return_url,
            "urlStatus": request.notify_url,
            # The customer comes back only after Przelewy24 knows the result (the return is not signed anyway).
            "waitForResult": True,
            "encoding": "UTF-8",
        }
        body["sign"] = sign({**body, "crc": self.crc}, REGISTER_SIGN)
        status, answer = self._call("POST", "/api/v1/transaction/register", body)
        if status != 200:
            raise self._status_error("register", status)
        token = (answer or {}).get("data", {}).get("token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token or "/" in token:
            raise GatewayError(f"{PREFIX}:register:answer", retryable=False)
        return Checkout(provider_ref=token, redirect_url=f"{self.api_base}/trnRequest/{urllib.parse.quote(token)}")

    def settle(self, *, method: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> Notification:
        """Verify a notification POSTed to urlStatus: a payment's (then transaction/verify) or a refund's."""
        if method.upper() != "POST":
            # urlReturn carries no signed data: the return page waits for the notification instead.
            raise SignatureRefused(f"{PREFIX}:return-unsigned")
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise SignatureRefused(f"{PREFIX}:body") from None
        if not isinstance(data, dict):
            raise SignatureRefused(f"{PREFIX}:body")
        if "refundsUuid" in data:
            return self._settle_refund(data)
        return self._settle_payment(data)

    def _check_signed(self, data: dict[str, Any], order: tuple[str, ...]) -> None:
        for name in order[:-1]:
            value = data.get(name)
            if (name in _INT_FIELDS and not _is_int(value)) or (name not in _INT_FIELDS and not isinstance(value, str)):
                raise SignatureRefused(f"{PREFIX}:field-{name}")
        received = data.get("sign")
        expected = sign({**data, "crc": self.crc}, order)
        if not isinstance(received, str) or not hmac.compare_digest(received.lower(), expected):
            raise SignatureRefused(f"{PREFIX}:signature")
        if data["merchantId"] != self.merchant_id:
            raise SignatureRefused(f"{PREFIX}:merchant")

    def _settle_payment(self, data: dict[str, Any]) -> Notification:
        self._check_signed(data, NOTIFICATION_SIGN)
        if data["posId"] != self.pos_id:
            raise SignatureRefused(f"{PREFIX}:merchant")
        verify: dict[str, Any] = {
            "merchantId": self.merchant_id,
            "posId": self.pos_id,
            "sessionId": data["sessionId"],
            "amount": data["amount"],
            "currency": data["currency"],
            "orderId": data["orderId"],
        }
        verify["sign"] = sign({**verify, "crc": self.crc}, VERIFY_SIGN)
        status, answer = self._call("PUT", "/api/v1/transaction/verify", verify)
        if status != 200:
            raise self._status_error("verify", status)
        result = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(result, dict) or result.get("status") != "success":
            raise GatewayError(f"{PREFIX}:verify:answer", retryable=False)
        return Notification(reference=data["sessionId"], provider_ref=str(data["orderId"]),
                            status=PaymentStatus.PAID, amount_minor=data["amount"], currency=data["currency"],
                            event_id=str(data["orderId"]))

    def _settle_refund(self, data: dict[str, Any]) -> Notification:
        self._check_signed(data, REFUND_NOTIFICATION_SIGN)
        if data["status"] not in (0, 1):
            raise SignatureRefused(f"{PREFIX}:refund-status")
        return Notification(reference=data["refundsUuid"], provider_ref=str(data["orderId"]),
                            status=PaymentStatus.REFUNDED if data["status"] == 0 else PaymentStatus.REFUND_FAILED,
                            amount_minor=data["amount"], currency=data["currency"],
                            event_id=f"refund:{data['refundsUuid']}", is_refund=True)

    def refund(self, *, payment: Notification, amount_minor: int, reference: str, notify_url: str) -> RefundResult:
        """transaction/refund with our refund's stamp (at most 35 characters) as requestId and refundsUuid; the
        result comes by notification, which names the refund by its (signed) refundsUuid.

        Przelewy24 refuses a requestId it has seen ("Request already exists"): that answer to our retry means the
        earlier attempt was taken, so it is PENDING like a first answer."""
        if not _is_int(amount_minor) or not 0 < amount_minor <= payment.amount_minor:
            raise GatewayError(f"{PREFIX}:amount", retryable=False)
        if not 0 < len(reference) <= min(REFUNDS_UUID_MAX, REQUEST_ID_MAX):
            raise GatewayError(f"{PREFIX}:refund-reference", retryable=False)
        try:
            order_id = int(payment.provider_ref)
        except ValueError:
            raise GatewayError(f"{PREFIX}:order-id", retryable=False) from None
        body = {
            "requestId": reference,
            "refunds": [{"orderId": order_id, "sessionId": payment.reference, "amount": amount_minor,
                         "description": "Zwrot / refund"}],
            "refundsUuid": reference,
            "urlStatus": notify_url,
        }
        status, answer = self._call("POST", "/api/v1/transaction/refund", body)
        if status == 400 and isinstance(answer, dict) and answer.get("error") == "Request already exists":
            return RefundResult(provider_ref=reference, status=PaymentStatus.PENDING)
        if status == 409:
            raise GatewayError(f"{PREFIX}:refund:refused", retryable=False)
        if status != 201:
            raise self._status_error("refund", status)
        items = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
            raise GatewayError(f"{PREFIX}:refund:answer", retryable=False)
        if items[0].get("status") is not True:
            raise GatewayError(f"{PREFIX}:refund:refused", retryable=False)
        return RefundResult(provider_ref=reference, status=PaymentStatus.PENDING)

    def test_access(self) -> bool:
        """testAccess: True when the posId and API key are accepted, False when refused (401)."""
        status, answer = self._call("GET", "/api/v1/testAccess")
        if status == 401:
            return False
        if status != 200:
            raise self._status_error("test-access", status)
        return isinstance(answer, dict) and answer.get("data") is True


GATEWAY = Przelewy24Gateway
