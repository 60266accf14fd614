"""A local Paytrail: a real HTTP server that checks requests the way the Paytrail Payment API documents them.

It implements, independently of the gateway, the documented rules (docs.paytrail.com, "Authentication",
"Payments", "Refund", "Redirect and callback URL parameters", "Payloads"): the HMAC over the sorted
`checkout-*` headers and the body, the required headers, a nonce used once, the create-payment and refund
bodies field by field (integer cents, EUR, FI/SV/EN, items summing to the amount, vatPercentage with at most
one decimal, HTTPS callback URLs), the stamp and refund stamp unique per merchant. What it refuses is answered
as Paytrail does (401 for a signature, 400 for a body, {"status": "error", "message": ...}) and recorded in
`errors`, so a test can assert that a correct client caused none.

It serves the hosted payment page at the `href` it returns: "Pay" marks the payment paid, calls the success
callback URL with the signed `checkout-*` query parameters, then redirects the browser to the success
redirect URL with the same parameters; "Cancel" does the same with status `fail` and the cancel URLs. Refunds
are recorded and their callback (the same signed GET) follows a moment after the answer.

Deliberate leniencies, for tests on loopback: http:// URLs are accepted for 127.0.0.1 and localhost; the
timestamp window (5 minutes) is ours, Paytrail does not document one.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

from billing.gateways.doubles import answered_browser_noise
from tilli.lib.http import NO_REDIRECTS
from tilli.lib.loopback import LoopbackServer

TEST_ACCOUNT = "375917"  # Paytrail's documented test merchant
TEST_SECRET = "SAIPPUAKAUPPIAS"
TIMESTAMP_WINDOW = timedelta(minutes=5)
_HASHES = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class Payment:
    transaction_id: str
    stamp: str
    reference: str
    amount: int
    algorithm: str
    language: str
    redirect_urls: dict[str, str]
    callback_urls: dict[str, str]
    body: dict[str, Any]
    status: str = "new"
    provider: str = "osuuspankki"
    refunded: int = 0


@dataclass
class Refund:
    transaction_id: str
    payment_id: str
    stamp: str
    reference: str
    amount: int
    callback_urls: dict[str, str]
    body: dict[str, Any]
    status: str = "ok"


@dataclass
class Callback:
    url: str
    answer: int  # the HTTP status our callback got, 0 when nobody answered


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def hmac_hex(secret: str, algorithm: str, fields: dict[str, str], body: str) -> str:
    """The documented recipe, written here on its own so a wrong client does not agree with a wrong double."""
    keys = sorted(key for key in fields if key.startswith("checkout-"))
    text = "".join(f"{key}:{fields[key]}\n" for key in keys) + body
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), _HASHES[algorithm]).hexdigest()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: Any, maximum: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= maximum


class PaytrailDouble:
    def __init__(self, *, account: str = TEST_ACCOUNT, secret: str = TEST_SECRET, port: int = 0) -> None:
        self.port = port  # 0: any free loopback port (tests); the demo's fixed port otherwise
        self.account = account
        self.secret = secret
        self.errors: list[str] = []
        self.payments: dict[str, Payment] = {}
        self.refunds: list[Refund] = []
        self.callbacks: list[Callback] = []
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []  # method, path, headers, body
        self.pay_status = "ok"  # what "Pay" on the hosted page results in: ok, pending, delayed
        self.refund_status = "ok"  # what a refund answers: ok, pending, fail
        self.refund_callback_delay = 0.2  # seconds after the answer; None sends none (notify_refund does)
        self.timeout_delay = 3.0  # how long a "timeout" failure keeps the client waiting
        self._failures: list[str] = []
        self._nonces: set[str] = set()
        self._stamps: set[str] = set()
        self._refund_stamps: set[str] = set()
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._server: LoopbackServer | None = None
        self.url = ""

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> PaytrailDouble:
        def handle(handler: BaseHTTPRequestHandler) -> None:
            if not answered_browser_noise(handler):
                self._handle(handler)

        self._server = LoopbackServer(handle, methods=("GET", "POST"), poll_interval=0.05, port=self.port).start()
        self.url = self._server.url
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.stop()

    def settings(self) -> dict[str, Any]:
        """The settings that point the Paytrail gateway at this double (for override_settings)."""
        return {"PAYMENT_GATEWAYS": ["paytrail"], "PAYTRAIL_API_BASE": self.url,
                "PAYTRAIL_ACCOUNT": self.account, "PAYTRAIL_SECRET": self.secret}

    def fail_next(self, kind: str) -> None:
        """The next API request fails: "timeout", an HTTP status ("500", "503", "400", ...), or its answer is
        "unsigned" or has a "bad-signature"."""
        with self._lock:
            self._failures.append(kind)

    # -- what tests look at ----------------------------------------------------------------------

    def payment(self, reference: str) -> Payment:
        """The payment with our stamp (or Paytrail's transaction id) `reference`."""
        with self._lock:
            for payment in self.payments.values():
                if reference in (payment.stamp, payment.transaction_id):
                    return payment
        raise KeyError("no such payment")

    def refunds_of(self, reference: str) -> list[int]:
        """The amounts refunded from the payment `reference`, in order."""
        payment = self.payment(reference)
        return [refund.amount for refund in self.refunds if refund.payment_id == payment.transaction_id]

    # -- signed callbacks, on purpose ------------------------------------------------------------

    def sign(self, params: dict[str, str], algorithm: str = "sha256") -> dict[str, str]:
        signed = {key: value for key, value in params.items() if key != "signature"}
        signed["signature"] = hmac_hex(self.secret, algorithm, signed, "")
        return signed

    def callback_params(self, reference: str, status: str | None = None) -> dict[str, str]:
        """The signed query parameters Paytrail sends for payment `reference` (its status unless `status`)."""
        payment = self.payment(reference)
        return self.sign({
            "checkout-account": self.account,
            "checkout-algorithm": payment.algorithm,
            "checkout-amount": str(payment.amount),
            "checkout-stamp": payment.stamp,
            "checkout-reference": payment.reference,
            "checkout-transaction-id": payment.transaction_id,
            "checkout-status": status or payment.status,
            "checkout-provider": payment.provider,
        }, payment.algorithm)

    def refund_params(self, refund_stamp: str, status: str | None = None) -> dict[str, str]:
        refund = self._refund(refund_stamp)
        payment = self.payments[refund.payment_id]
        return self.sign({
            "checkout-account": self.account,
            "checkout-algorithm": payment.algorithm,
            "checkout-amount": str(refund.amount),
            "checkout-stamp": refund.stamp,
            "checkout-reference": refund.reference,
            "checkout-transaction-id": refund.transaction_id,
            "checkout-status": status or refund.status,
            "checkout-provider": payment.provider,
        }, payment.algorithm)

    def notify(self, reference: str, duplicate: bool = False, status: str | None = None) -> list[int]:
        """Call the payment's callback URL as Paytrail does (twice with `duplicate`); the answers' statuses."""
        payment = self.payment(reference)
        params = self.callback_params(reference, status)
        url = payment.callback_urls.get("cancel" if params["checkout-status"] == "fail" else "success", "")
        return [self.send_event(url, params) for _ in range(2 if duplicate else 1)]

    def notify_refund(self, refund_stamp: str, duplicate: bool = False, status: str | None = None) -> list[int]:
        refund = self._refund(refund_stamp)
        params = self.refund_params(refund_stamp, status)
        url = refund.callback_urls["cancel" if params["checkout-status"] == "fail" else "success"]
        return [self.send_event(url, params) for _ in range(2 if duplicate else 1)]

    def send_event(self, url: str, params: dict[str, str]) -> int:
        """GET `url` with `params` appended (signed or not, as given); the status answered, 0 for none."""
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            return 0
        target = _append(url, params)
        try:
            # The scheme is checked above.
            with NO_REDIRECTS.open(urllib.request.Request(target, method="GET"), timeout=10) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
            error.close()
        except OSError:
            status = 0
        with self._lock:
            self.callbacks.append(Callback(url=target, answer=status))
        return status

    def _refund(self, refund_stamp: str) -> Refund:
        with self._lock:
            for refund in self.refunds:
                if refund.stamp == refund_stamp:
                    return refund
        raise KeyError("no such refund")

    # -- the server ------------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        parts = urllib.parse.urlsplit(handler.path)
        headers = {name.lower(): value for name, value in handler.headers.items()}
        with self._lock:
            self.requests.append((handler.command, parts.path, headers, raw))
        path = parts.path
        page = re.fullmatch(r"/pay/([0-9a-f-]{36})(?:/(pay|cancel))?", path)
        if page:
            self._hosted_page(handler, page.group(1), page.group(2))
            return
        with self._lock:
            failure = self._failures.pop(0) if self._failures else ""
        if failure == "timeout":
            self._stop.wait(self.timeout_delay)
            handler.close_connection = True
            return
        if failure.isdigit():
            self._send(handler, int(failure), {"status": "error", "message": "Injected failure"}, sign=False)
            return
        refund = re.fullmatch(r"/payments/([^/]+)/refund", path)
        refund_stamp = ""
        try:
            if handler.command == "POST" and path == "/payments":
                algorithm = self._authenticate(handler.command, headers, raw, transaction_id=None)
                status, answer = 201, self._create_payment(raw, algorithm)
            elif handler.command == "POST" and refund:
                transaction_id = urllib.parse.unquote(refund.group(1))
                algorithm = self._authenticate(handler.command, headers, raw, transaction_id=transaction_id)
                refund_stamp, answer = self._create_refund(transaction_id, raw)
                status = 201
            else:
                raise _Refused(404, "Not found")
        except _Refused as refused:
            with self._lock:
                self.errors.append(f"{handler.command} {path if not refund else '/payments/{id}/refund'}: "
                                   f"{refused.message}")
            self._send(handler, refused.status, {"status": "error", "message": refused.message},
                       sign=refused.status != 404, algorithm=headers.get("checkout-algorithm", "sha256"))
            return
        self._send(handler, status, answer, algorithm=algorithm,
                   sign=failure != "unsigned", corrupt=failure == "bad-signature")
        if refund_stamp and self.refund_callback_delay is not None:
            threading.Thread(target=self._later_refund_callback, args=(refund_stamp,), daemon=True).start()

    def _later_refund_callback(self, stamp: str) -> None:
        if not self._stop.wait(self.refund_callback_delay):
            self.notify_refund(stamp)

    def _authenticate(self, method: str, headers: dict[str, str], raw: bytes, *, transaction_id: str | None) -> str:
        """The documented "Authentication" section: required headers, a unique nonce, the HMAC."""
        algorithm = headers.get("checkout-algorithm", "")
        if algorithm not in _HASHES:
            raise _Refused(401, "checkout-algorithm must be sha256 or sha512")
        for name in ("checkout-account", "checkout-method", "checkout-nonce", "checkout-timestamp", "signature"):
            if not headers.get(name):
                raise _Refused(401, f"{name} header missing")
        if headers["checkout-account"] != self.account:
            raise _Refused(401, "unknown checkout-account")
        if headers["checkout-method"] != method:
            raise _Refused(401, "checkout-method does not match the request")
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _Refused(400, "body is not UTF-8") from None
        if "\r" in body:
            raise _Refused(401, "carriage returns are not supported")
        if not hmac.compare_digest(hmac_hex(self.secret, algorithm, headers, body), headers["signature"]):
            raise _Refused(401, "HMAC signature does not match")
        try:
            timestamp = datetime.fromisoformat(headers["checkout-timestamp"].replace("Z", "+00:00"))
        except ValueError:
            raise _Refused(401, "checkout-timestamp is not ISO 8601") from None
        if timestamp.tzinfo is None or abs(datetime.now(UTC) - timestamp) > TIMESTAMP_WINDOW:
            raise _Refused(401, "checkout-timestamp is stale")
        with self._lock:
            if headers["checkout-nonce"] in self._nonces:
                raise _Refused(401, "checkout-nonce already used")
            self._nonces.add(headers["checkout-nonce"])
        if transaction_id is not None and headers.get("checkout-transaction-id") != transaction_id:
            raise _Refused(401, "checkout-transaction-id does not match the path")
        if raw and headers.get("content-type", "").replace(" ", "").lower() != "application/json;charset=utf-8":
            raise _Refused(400, "content-type must be application/json; charset=utf-8")
        return algorithm

    def _json(self, raw: bytes) -> dict[str, Any]:
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError:
            raise _Refused(400, "body is not JSON") from None
        if not isinstance(data, dict):
            raise _Refused(400, "body is not a JSON object")
        return data

    def _urls(self, value: Any, name: str, maximum: int) -> dict[str, str]:
        if not isinstance(value, dict) or set(value) != {"success", "cancel"}:
            raise _Refused(400, f"{name} must have success and cancel")
        for key, url in value.items():
            if not _is_text(url, maximum):
                raise _Refused(400, f"{name}.{key} must be a URL of at most {maximum} characters")
            parts = urllib.parse.urlsplit(url)
            if not (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)):
                raise _Refused(400, f"{name}.{key} must use HTTPS")
        return dict(value)

    def _create_payment(self, raw: bytes, algorithm: str) -> dict[str, Any]:
        """"Payloads: Create payment": each documented field checked; unknown fields refused (a typo)."""
        data = self._json(raw)
        known = {"stamp", "reference", "amount", "currency", "language", "orderId", "description", "items",
                 "customer", "deliveryAddress", "invoicingAddress", "manualInvoiceActivation", "redirectUrls",
                 "callbackUrls", "callbackDelay", "groups", "usePricesWithoutVat"}
        if set(data) - known:
            raise _Refused(400, "unknown field(s): " + ", ".join(sorted(set(data) - known)))
        for name in ("stamp", "reference"):
            if not _is_text(data.get(name), 200):
                raise _Refused(400, f"{name} must be a string of 1 to 200 characters")
        amount = data.get("amount")
        if not _is_int(amount) or not 0 < amount <= 99999998:
            raise _Refused(400, "amount must be an integer of cents between 1 and 99999998")
        if data.get("currency") != "EUR":
            raise _Refused(400, "currency must be EUR")
        if data.get("language") not in ("FI", "SV", "EN"):
            raise _Refused(400, "language must be FI, SV or EN")
        items = data.get("items")
        if items is not None:
            if not isinstance(items, list) or not items:
                raise _Refused(400, "items must be a non-empty array")
            total = 0
            for item in items:
                self._check_item(item)
                total += item["unitPrice"] * item["units"]
            if total != amount:
                raise _Refused(400, "amount does not match the total of the items")
        customer = data.get("customer")
        if not isinstance(customer, dict) or not _is_text(customer.get("email"), 200) \
                or "@" not in customer["email"]:
            raise _Refused(400, "customer.email is required")
        redirect_urls = self._urls(data.get("redirectUrls"), "redirectUrls", 300)
        callback_urls = self._urls(data["callbackUrls"], "callbackUrls", 3000) if "callbackUrls" in data else {}
        with self._lock:
            if data["stamp"] in self._stamps:
                raise _Refused(400, "stamp has already been used")
            self._stamps.add(data["stamp"])
            payment = Payment(transaction_id=str(uuid.uuid4()), stamp=data["stamp"], reference=data["reference"],
                              amount=amount, algorithm=algorithm, language=data["language"],
                              redirect_urls=redirect_urls, callback_urls=callback_urls, body=data)
            self.payments[payment.transaction_id] = payment
        return {
            "transactionId": payment.transaction_id,
            "href": f"{self.url}/pay/{payment.transaction_id}",
            "reference": payment.reference,
            "terms": "By continuing with your payment, you agree to our payment terms & conditions",
            "groups": [{"id": "bank", "name": "Bank payment methods", "icon": "", "svg": ""}],
            "providers": [{"url": f"{self.url}/pay/{payment.transaction_id}", "icon": "", "svg": "",
                           "name": "OP", "group": "bank", "id": "osuuspankki", "parameters": []}],
        }

    def _check_item(self, item: Any) -> None:
        if not isinstance(item, dict):
            raise _Refused(400, "each item must be an object")
        unit_price, units, vat = item.get("unitPrice"), item.get("units"), item.get("vatPercentage")
        if not _is_int(unit_price) or not -2147483648 <= unit_price <= 2147483647:
            raise _Refused(400, "items.unitPrice must be an integer of cents")
        if not _is_int(units) or not 0 <= units <= 99999998:
            raise _Refused(400, "items.units must be a non-negative integer")
        if isinstance(vat, bool) or not isinstance(vat, (int, float)) or not 0 <= vat <= 100 \
                or round(vat * 10) != vat * 10:
            raise _Refused(400, "items.vatPercentage must be 0 to 100 with at most one decimal")
        if not _is_text(item.get("productCode"), 100):
            raise _Refused(400, "items.productCode must be a string of 1 to 100 characters")
        if "description" in item and not (isinstance(item["description"], str) and len(item["description"]) <= 1000):
            raise _Refused(400, "items.description must be at most 1000 characters")

    def _create_refund(self, transaction_id: str, raw: bytes) -> tuple[str, dict[str, Any]]:
        """"Payloads: Refund payment": amount in cents (not more than is left), a unique refundStamp, callbacks."""
        data = self._json(raw)
        known = {"amount", "email", "refundStamp", "refundReference", "items", "callbackUrls"}
        if set(data) - known:
            raise _Refused(400, "unknown field(s): " + ", ".join(sorted(set(data) - known)))
        with self._lock:
            payment = self.payments.get(transaction_id)
            if payment is None:
                raise _Refused(404, "payment not found")
            amount = data.get("amount")
            if not _is_int(amount) or amount <= 0:
                raise _Refused(400, "amount must be a positive integer of cents")
            if payment.status != "ok":
                raise _Refused(400, "payment is not paid")
            if amount > payment.amount - payment.refunded:
                raise _Refused(400, "refund amount exceeds what is left of the payment")
            for name in ("refundStamp", "refundReference"):
                if name in data and not _is_text(data[name], 200):
                    raise _Refused(400, f"{name} must be a string of 1 to 200 characters")
            callback_urls = self._urls(data.get("callbackUrls"), "callbackUrls", 3000)
            stamp = data.get("refundStamp") or str(uuid.uuid4())
            if stamp in self._refund_stamps:
                raise _Refused(400, "refundStamp has already been used")
            self._refund_stamps.add(stamp)
            refund = Refund(transaction_id=str(uuid.uuid4()), payment_id=transaction_id, stamp=stamp,
                            reference=data.get("refundReference") or stamp, amount=amount,
                            callback_urls=callback_urls, body=data, status=self.refund_status)
            if refund.status != "fail":
                payment.refunded += amount
            self.refunds.append(refund)
        return stamp, {"provider": payment.provider, "status": refund.status,
                       "transactionId": refund.transaction_id}

    def _send(self, handler: BaseHTTPRequestHandler, status: int, answer: dict[str, Any], *,
              algorithm: str = "sha256", sign: bool = True, corrupt: bool = False) -> None:
        body = json.dumps(answer)
        headers = {"content-type": "application/json; charset=utf-8", "request-id": str(uuid.uuid4())}
        if sign:
            algorithm = algorithm if algorithm in _HASHES else "sha256"
            checkout = {
                "checkout-account": self.account,
                "checkout-algorithm": algorithm,
                "checkout-nonce": str(uuid.uuid4()),
                "checkout-timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            }
            headers.update(checkout)
            headers["signature"] = hmac_hex(self.secret, algorithm, checkout, body + (" " if corrupt else ""))
        payload = body.encode("utf-8")
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # -- the hosted payment page -----------------------------------------------------------------

    def _hosted_page(self, handler: BaseHTTPRequestHandler, transaction_id: str, action: str | None) -> None:
        with self._lock:
            payment = self.payments.get(transaction_id)
        if payment is None:
            self._html(handler, 404, "<p>Payment not found.</p>")
            return
        if handler.command == "GET" and action is None:
            euros = f"{payment.amount // 100},{payment.amount % 100:02d} €"
            self._html(handler, 200, (
                f"<h1>Paytrail test payment</h1><p id=\"amount\">{html.escape(euros)}</p>"
                f"<form method=\"post\" action=\"/pay/{transaction_id}/pay\">"
                "<button id=\"pay\" type=\"submit\">Pay</button></form>"
                f"<form method=\"post\" action=\"/pay/{transaction_id}/cancel\">"
                "<button id=\"cancel\" type=\"submit\">Cancel</button></form>"))
            return
        if handler.command != "POST" or action is None:
            self._html(handler, 405, "<p>Method not allowed.</p>")
            return
        with self._lock:
            if payment.status != "new":
                already = True
            else:
                already = False
                payment.status = self.pay_status if action == "pay" else "fail"
        if already:
            self._html(handler, 409, "<p>This payment has already been processed.</p>")
            return
        outcome = "cancel" if payment.status == "fail" else "success"
        params = self.callback_params(transaction_id)
        if payment.callback_urls:
            self.send_event(payment.callback_urls[outcome], params)
        try:
            handler.send_response(302)
            handler.send_header("Location", _append(payment.redirect_urls[outcome], params))
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _html(self, handler: BaseHTTPRequestHandler, status: int, content: str) -> None:
        payload = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Paytrail</title>"
                   f"</head><body>{content}</body></html>").encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass


def _append(url: str, params: dict[str, str]) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
