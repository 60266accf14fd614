"""A local Stripe for tests and the browser tests: the parts of https://docs.stripe.com/api Tilli uses, checked as
Stripe documents them, on a real HTTP server on 127.0.0.1.

    with StripeDouble(webhook_url=live_server.url + "/pay/notify/stripe/") as double:
        with override_settings(**double.settings()):
            ...

API (form-encoded bodies, `Authorization: Bearer sk_test_...`, a `Stripe-Version` header, `Idempotency-Key` on
every POST): POST /v1/customers, POST /v1/checkout/sessions, GET /v1/checkout/sessions/<id>,
GET /v1/setup_intents/<id>, POST /v1/payment_intents, POST /v1/refunds, GET /v1/refunds (newest first, by
payment_intent, paged with limit and starting_after). Unknown parameters, missing ones,
non-integer amounts and upper-case currencies are refused with Stripe's 400 invalid_request_error, and recorded
in `errors`. A reused Idempotency-Key with other parameters (or another endpoint) is Stripe's 400
`idempotency_error`; the same key with the same parameters replays the saved answer (`Idempotent-Replayed: true`).

The hosted page is /c/pay/<session id>: "Pay" (id `pay`) completes the session, posts the signed
`checkout.session.completed` event to `webhook_url` (Stripe's Dashboard endpoint: Stripe has no per-payment
notification URL) and redirects (303) to success_url with {CHECKOUT_SESSION_ID} filled in; "Cancel" (id `cancel`)
redirects to cancel_url. Refunds post `refund.created` and `charge.refunded` after answering, from a thread, the
way Stripe delivers events asynchronously; `wait_deliveries()` waits for them.

Failures to inject with `fail_next(kind)`: "timeout" (answers after `timeout_delay` seconds), "connection" (closes
the connection), "500" (nothing done; the 500 is saved under the idempotency key and replayed for it, as Stripe
documents), "500-done" (the request is carried out, then answered 500, saved and replayed the same way: Stripe's
indeterminate server error), "503", "429", "400",
"card_declined" (alias "declined") and "authentication_required" (402 card_error on the next PaymentIntent),
"refund_pending" (the next refund is pending; `finish_refund` sends refund.updated later).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import Any

from billing.gateways.doubles import answered_browser_noise
from tilli.lib.loopback import LoopbackServer

API_VERSION_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}(\.[a-z]+)?")
CHECKOUT_LOCALES = {"auto", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi", "fil", "fr",
                    "fr-CA", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl", "pl", "pt",
                    "pt-BR", "ro", "ru", "sk", "sl", "sv", "th", "tr", "vi", "zh", "zh-HK", "zh-TW"}
MINIMUM_AMOUNT = {"eur": 50, "usd": 50, "sek": 300, "pln": 200}  # Stripe's minimum charge amounts
SESSION_PARAMS = {"mode", "line_items", "client_reference_id", "metadata", "customer_email", "customer",
                  "success_url", "cancel_url", "locale", "payment_intent_data", "setup_intent_data", "currency",
                  "customer_creation", "expires_at"}
PAYMENT_INTENT_PARAMS = {"amount", "currency", "customer", "payment_method", "off_session", "confirm",
                         "description", "metadata"}
REFUND_PARAMS = {"payment_intent", "amount", "metadata", "reason"}
CUSTOMER_PARAMS = {"email", "metadata", "name", "description"}


class Refused(Exception):
    """A request Stripe refuses: answered with `status` and Stripe's error object."""

    def __init__(self, status: int, error: dict[str, Any], *, violation: bool = True) -> None:
        super().__init__(error.get("message", ""))
        self.status = status
        self.error = error
        self.violation = violation


def _invalid(param: str, code: str, message: str) -> Refused:
    return Refused(400, {"type": "invalid_request_error", "code": code, "param": param, "message": message})


def parse_form(body: bytes) -> dict[str, Any]:
    """Stripe's form encoding: `a[b][0][c]=1` is {"a": {"b": [{"c": "1"}]}}."""
    root: dict[str, Any] = {}
    for key, value in urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False):
        match = re.fullmatch(r"([^\[\]]+)((?:\[[^\[\]]*\])*)", key)
        if not match:
            raise _invalid(key, "parameter_unknown", f"Received unknown parameter: {key}")
        path = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise _invalid(key, "parameter_invalid", f"Invalid parameter: {key}")
        if path[-1] in node:
            raise _invalid(key, "parameter_invalid", f"Parameter given twice: {key}")
        node[path[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        indexes = sorted(int(key) for key in node)
        if indexes != list(range(len(indexes))):
            raise _invalid("list", "parameter_invalid", "List indexes must start at 0 and be contiguous.")
        return [_lists(node[str(index)]) for index in indexes]
    return {key: _lists(value) for key, value in node.items()}


def _integer(params: dict[str, Any], name: str, *, minimum: int = 0) -> int:
    value = params.get(name)
    if value is None or value == "":
        raise _invalid(name, "parameter_missing", f"Missing required param: {name}.")
    if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value):
        raise _invalid(name, "parameter_invalid_integer", f"Invalid integer: {value}")
    number = int(value)
    if number < minimum:
        raise _invalid(name, "parameter_invalid_integer", f"This value must be greater than or equal to {minimum}.")
    return number


def _currency(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if not value:
        raise _invalid(name, "parameter_missing", f"Missing required param: {name}.")
    if not isinstance(value, str) or not re.fullmatch(r"[a-z]{3}", value):
        raise _invalid(name, "parameter_invalid", "Currencies are three-letter ISO codes in lowercase.")
    return value


def _metadata(params: dict[str, Any], name: str = "metadata") -> dict[str, str]:
    value = params.get(name, {})
    if not isinstance(value, dict) or len(value) > 50:
        raise _invalid(name, "parameter_invalid", "Metadata is up to 50 keys.")
    for key, item in value.items():
        if len(key) > 40 or not isinstance(item, str) or len(item) > 500:
            raise _invalid(f"{name}[{key}]", "parameter_invalid",
                           "Metadata keys are up to 40 characters and values up to 500.")
    return dict(value)


def _url(params: dict[str, Any], name: str, *, required: bool) -> str:
    value = params.get(name, "")
    if not value:
        if required:
            raise _invalid(name, "parameter_missing", f"Missing required param: {name}.")
        return ""
    parts = urllib.parse.urlsplit(value) if isinstance(value, str) else None
    if not parts or parts.scheme not in ("http", "https") or not parts.netloc:
        raise _invalid(name, "url_invalid", "Not a valid URL")
    return value


def _unknown(params: dict[str, Any], allowed: set[str]) -> None:
    for name in params:
        if name not in allowed:
            raise _invalid(name, "parameter_unknown", f"Received unknown parameter: {name}")


def _true(params: dict[str, Any], name: str) -> bool:
    value = params.get(name, "false")
    if value not in ("true", "false"):
        raise _invalid(name, "parameter_invalid", f"Invalid boolean: {value}")
    return value == "true"


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


class StripeDouble:
    def __init__(self, *, webhook_url: str = "", timeout_delay: float = 3.0, port: int = 0, secret_key: str = "",
                 webhook_secret: str = "") -> None:
        self.webhook_url = webhook_url  # Stripe's Dashboard endpoint; settable after construction
        # Fresh per double unless given (the demo's, from its env file): a wrong key is caught.
        self.secret_key = secret_key or f"sk_test_{secrets.token_hex(12)}"
        self.webhook_secret = webhook_secret or f"whsec_{secrets.token_hex(16)}"
        self.port = port  # 0: any free loopback port (tests); the demo's fixed port otherwise
        self.timeout_delay = timeout_delay
        self.url = ""
        self.errors: list[str] = []
        self.requests: list[dict[str, Any]] = []  # {"method", "path", "headers" (lower-case), "params"}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.setup_intents: dict[str, dict[str, Any]] = {}
        self.payment_methods: dict[str, dict[str, Any]] = {}
        self.refunds: list[dict[str, Any]] = []
        self.events: dict[str, dict[str, Any]] = {}  # by (session id, type) key and by event id
        self.deliveries: list[tuple[str, str, int]] = []  # (event id, type, HTTP status of the endpoint)
        self._failures: list[str] = []
        self._idempotency: dict[str, tuple[str, str, list[tuple[str, str]], int, dict[str, Any]]] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: LoopbackServer | None = None

    # -- lifecycle ----------------------------------------------------------------------------------------------

    def __enter__(self) -> StripeDouble:
        def handle(handler: BaseHTTPRequestHandler) -> None:
            if not answered_browser_noise(handler):
                self._handle(handler)

        self._server = LoopbackServer(handle, methods=("GET", "POST"), port=self.port).start()
        self.url = self._server.url
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.wait_deliveries()
        if self._server:
            self._server.stop()

    def settings(self) -> dict[str, Any]:
        return {"PAYMENT_GATEWAYS": ["stripe"], "PAYMENTS_LIVE": False, "STRIPE_API_BASE": self.url,
                "STRIPE_SECRET_KEY": self.secret_key, "STRIPE_WEBHOOK_SECRET": self.webhook_secret}

    def fail_next(self, kind: str) -> None:
        allowed = {"timeout", "connection", "500", "500-done", "503", "429", "400", "declined", "card_declined",
                   "authentication_required", "refund_pending"}
        if kind not in allowed:
            raise ValueError(f"unknown failure {kind!r}")
        with self._lock:
            self._failures.append("card_declined" if kind == "declined" else kind)

    # -- lookups for tests --------------------------------------------------------------------------------------

    def session_for(self, reference: str) -> dict[str, Any]:
        with self._lock:
            return next(s for s in self.sessions.values() if s["client_reference_id"] == reference)

    def refunds_for(self, payment_intent: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.refunds if r["payment_intent"] == payment_intent]

    def wait_deliveries(self, timeout: float = 10) -> None:
        for thread in list(self._threads):
            thread.join(timeout=timeout)

    # -- the HTTP server ----------------------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        parts = urllib.parse.urlsplit(handler.path)
        headers = {name.lower(): value for name, value in handler.headers.items()}
        if parts.path.startswith("/c/pay/"):
            self._hosted_page(handler, handler.command, parts.path.removeprefix("/c/pay/"), body)
            return
        # A server error saved under an idempotency key concerns a POST; a GET (a lookup) leaves it for the next one.
        failure = self._take_failure({"timeout", "connection", "503", "429", "400"}
                                     | ({"500", "500-done"} if handler.command == "POST" else set()))
        if failure == "connection":
            handler.close_connection = True
            handler.connection.shutdown(2)
            return
        if failure == "timeout":
            self._stop.wait(self.timeout_delay)
        status, answer, replayed = self._api(handler.command, parts.path, headers, body, failure, query=parts.query)
        payload = json.dumps(answer, indent=2).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.send_header("Request-Id", _new_id("req"))
            if replayed:
                handler.send_header("Idempotent-Replayed", "true")
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def _take_failure(self, kinds: set[str]) -> str:
        with self._lock:
            if self._failures and self._failures[0] in kinds:
                return self._failures.pop(0)
        return ""

    def _api(self, method: str, path: str, headers: dict[str, str], body: bytes,
             failure: str, query: str = "") -> tuple[int, dict[str, Any], bool]:
        try:
            params = parse_form(body) if method == "POST" else parse_form(query.encode())
        except Refused as refused:
            params = {}
            self.errors.append(f"{path}: {refused.error['code']} {refused.error['param']}")
            return refused.status, {"error": refused.error}, False
        with self._lock:
            self.requests.append({"method": method, "path": path, "headers": headers, "params": params})
        if headers.get("authorization") != f"Bearer {self.secret_key}":
            self.errors.append(f"{path}: authorization")
            return 401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided."}}, False
        if not API_VERSION_PATTERN.fullmatch(headers.get("stripe-version", "")):
            self.errors.append(f"{path}: stripe-version")
            return 400, {"error": {"type": "invalid_request_error", "message": "Invalid Stripe API version."}}, False
        if failure == "429":
            return 429, {"error": {"type": "invalid_request_error", "code": "rate_limit",
                                   "message": "Too many requests hit the API too quickly."}}, False
        if failure == "503":
            return 503, {"error": {"type": "api_error", "message": "Stripe is temporarily unavailable."}}, False
        if failure == "400":
            return 400, {"error": {"type": "invalid_request_error", "code": "parameter_invalid_empty",
                                   "param": "description", "message": "Injected invalid request."}}, False
        if method == "GET":
            if path == "/v1/refunds":
                try:
                    return (*self._list_refunds(params), False)
                except Refused as refused:
                    self.errors.append(f"{path}: {refused.error.get('code')} {refused.error.get('param', '')}")
                    return refused.status, {"error": refused.error}, False
            return (*self._get(path), False)
        if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            self.errors.append(f"{path}: content-type")
        key = headers.get("idempotency-key", "")
        if not key:
            self.errors.append(f"{path}: idempotency-key missing")
        elif len(key) > 255:
            self.errors.append(f"{path}: idempotency-key too long")
            return 400, {"error": {"type": "invalid_request_error", "message": "Idempotency key too long."}}, False
        fingerprint = sorted(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        with self._lock:
            saved = self._idempotency.get(key) if key else None
            if saved:
                saved_method, saved_path, saved_fingerprint, status, answer = saved
                if (saved_method, saved_path, saved_fingerprint) != (method, path, fingerprint):
                    self.errors.append(f"{path}: idempotency key reused with other parameters")
                    return 400, {"error": {
                        "type": "idempotency_error",
                        "message": "Keys for idempotent requests can only be used with the same parameters they "
                                   "were first used with. Try using a key other than the one given if you meant "
                                   "to execute a different request."}}, False
                return status, answer, True
            if failure == "500":
                status, answer = 500, {"error": {"type": "api_error", "message": "An unknown error occurred."}}
            elif failure == "500-done":  # carried out, then answered 500: the outcome is unknown to the caller
                with contextlib.suppress(Refused):
                    self._post(path, params)
                status, answer = 500, {"error": {"type": "api_error", "message": "An unknown error occurred."}}
            else:
                try:
                    status, answer = self._post(path, params)
                except Refused as refused:
                    if refused.violation:
                        self.errors.append(f"{path}: {refused.error.get('code')} {refused.error.get('param', '')}")
                    status, answer = refused.status, {"error": refused.error}
                    if status == 400:
                        return status, answer, False  # validation failures are not saved (Stripe's rule)
            if key:
                self._idempotency[key] = (method, path, fingerprint, status, answer)
        return status, answer, False

    def _get(self, path: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            for prefix, objects in (("/v1/checkout/sessions/", self.sessions),
                                    ("/v1/setup_intents/", self.setup_intents),
                                    ("/v1/payment_intents/", self.payment_intents)):
                if path.startswith(prefix) and path.removeprefix(prefix) in objects:
                    return 200, json.loads(json.dumps(objects[path.removeprefix(prefix)]))
        return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing",
                               "message": "No such object."}}

    def _list_refunds(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Refunds › List all refunds: newest first, `payment_intent` filters, `limit` 1..100 (default 10),
        `starting_after` pages on; each refund with its metadata."""
        _unknown(params, {"payment_intent", "charge", "limit", "starting_after", "ending_before", "created"})
        limit = _integer(params, "limit", minimum=1) if "limit" in params else 10
        if limit > 100:
            raise _invalid("limit", "parameter_invalid_integer", "This value must be less than or equal to 100.")
        with self._lock:
            rows = [r for r in reversed(self.refunds)
                    if not params.get("payment_intent") or r["payment_intent"] == params["payment_intent"]]
            after = params.get("starting_after")
            if after:
                ids = [r["id"] for r in rows]
                if after not in ids:
                    raise Refused(400, {"type": "invalid_request_error", "code": "resource_missing",
                                        "param": "starting_after", "message": "No such refund."})
                rows = rows[ids.index(after) + 1:]
            page = json.loads(json.dumps(rows[:limit]))
        return 200, {"object": "list", "url": "/v1/refunds", "has_more": len(rows) > limit, "data": page}

    def _post(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        routes = {"/v1/customers": self._create_customer, "/v1/checkout/sessions": self._create_session,
                  "/v1/payment_intents": self._create_payment_intent, "/v1/refunds": self._create_refund}
        if path not in routes:
            raise Refused(404, {"type": "invalid_request_error", "message": f"Unrecognized request URL (POST: "
                                                                            f"{path})."})
        return 200, routes[path](params)

    # -- the objects --------------------------------------------------------------------------------------------

    def _create_customer(self, params: dict[str, Any]) -> dict[str, Any]:
        _unknown(params, CUSTOMER_PARAMS)
        customer = {"id": _new_id("cus"), "object": "customer", "email": params.get("email") or None,
                    "metadata": _metadata(params), "created": int(time.time()), "livemode": False}
        self.customers[customer["id"]] = customer
        return customer

    def _create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        _unknown(params, SESSION_PARAMS)
        mode = params.get("mode")
        if mode not in ("payment", "setup"):
            raise _invalid("mode", "parameter_missing" if not mode else "parameter_invalid",
                           "mode must be payment, setup or subscription (this double: payment, setup).")
        success_url = _url(params, "success_url", required=True)
        cancel_url = _url(params, "cancel_url", required=False)
        locale = params.get("locale", "auto")
        if locale not in CHECKOUT_LOCALES:
            raise _invalid("locale", "parameter_invalid", f"Invalid locale: {locale}")
        reference = params.get("client_reference_id", "")
        if len(reference) > 200:
            raise _invalid("client_reference_id", "parameter_invalid", "client_reference_id is up to 200 characters.")
        email = params.get("customer_email", "")
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise _invalid("customer_email", "email_invalid", "Invalid email address.")
        customer = params.get("customer", "")
        if customer and customer not in self.customers:
            raise Refused(400, {"type": "invalid_request_error", "code": "resource_missing", "param": "customer",
                                "message": "No such customer."})
        if customer and email:
            raise _invalid("customer_email", "parameter_invalid",
                           "You may only specify one of these parameters: customer, customer_email.")
        session: dict[str, Any] = {
            "id": _new_id("cs_test"), "object": "checkout.session", "mode": mode, "status": "open",
            "client_reference_id": reference or None, "metadata": _metadata(params), "locale": locale,
            "success_url": success_url, "cancel_url": cancel_url or None, "customer": customer or None,
            "customer_email": email or None, "livemode": False, "created": int(time.time()),
            "expires_at": int(time.time()) + 24 * 3600, "payment_intent": None, "setup_intent": None,
        }
        if mode == "payment":
            if "currency" in params or "setup_intent_data" in params:
                raise _invalid("currency", "parameter_unknown", "currency and setup_intent_data are for setup mode.")
            items = params.get("line_items")
            if not isinstance(items, list) or not items:
                raise _invalid("line_items", "parameter_missing", "line_items are required in payment mode.")
            total, currencies = 0, set()
            for index, item in enumerate(items):
                name = f"line_items[{index}]"
                if not isinstance(item, dict) or not isinstance(item.get("price_data"), dict):
                    raise _invalid(f"{name}[price_data]", "parameter_missing", "Give price or price_data.")
                _unknown(item, {"price_data", "quantity"})
                quantity = _integer(item, "quantity", minimum=1)
                price = item["price_data"]
                _unknown(price, {"currency", "unit_amount", "product_data"})
                currencies.add(_currency(price, "currency"))
                unit_amount = _integer(price, "unit_amount")
                product = price.get("product_data")
                if not isinstance(product, dict) or not product.get("name"):
                    raise _invalid(f"{name}[price_data][product_data][name]", "parameter_missing",
                                   "Missing required param: line_items[0][price_data][product_data][name].")
                total += quantity * unit_amount
            if len(currencies) != 1:
                raise _invalid("line_items", "parameter_invalid", "All line items must have the same currency.")
            currency = currencies.pop()
            if total < MINIMUM_AMOUNT.get(currency, 50):
                raise _invalid("line_items", "amount_too_small", "The Checkout Session's total amount is too small.")
            intent_data = params.get("payment_intent_data", {})
            _unknown(intent_data, {"metadata", "description"})
            session |= {"currency": currency, "amount_total": total, "amount_subtotal": total,
                        "payment_status": "unpaid", "line_items_data": items,
                        "payment_intent_metadata": _metadata(intent_data)}
        else:
            if "line_items" in params or "payment_intent_data" in params or "customer_creation" in params:
                raise _invalid("line_items", "parameter_unknown",
                               "line_items, payment_intent_data and customer_creation are not for setup mode.")
            currency = _currency(params, "currency")
            setup_data = params.get("setup_intent_data", {})
            _unknown(setup_data, {"metadata", "description"})
            setup_intent = {"id": _new_id("seti"), "object": "setup_intent", "status": "requires_payment_method",
                            "customer": customer or None, "payment_method": None, "usage": "off_session",
                            "metadata": _metadata(setup_data)}
            self.setup_intents[setup_intent["id"]] = setup_intent
            session |= {"currency": currency, "amount_total": None, "payment_status": "no_payment_required",
                        "setup_intent": setup_intent["id"]}
        session["url"] = f"{self.url}/c/pay/{session['id']}"
        self.sessions[session["id"]] = session
        return self._public(session)

    @staticmethod
    def _public(session: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in session.items() if key not in ("line_items_data",
                                                                            "payment_intent_metadata")}

    def _create_payment_intent(self, params: dict[str, Any]) -> dict[str, Any]:
        _unknown(params, PAYMENT_INTENT_PARAMS)
        amount = _integer(params, "amount", minimum=1)
        currency = _currency(params, "currency")
        customer, method = params.get("customer", ""), params.get("payment_method", "")
        if customer not in self.customers:
            raise Refused(400, {"type": "invalid_request_error", "code": "resource_missing", "param": "customer",
                                "message": "No such customer."})
        if self.payment_methods.get(method, {}).get("customer") != customer:
            raise Refused(400, {"type": "invalid_request_error", "code": "resource_missing",
                                "param": "payment_method", "message": "No such PaymentMethod for this customer."})
        if not (_true(params, "off_session") and _true(params, "confirm")):
            raise _invalid("off_session", "parameter_invalid", "A no-show fee is charged off_session with confirm.")
        if amount < MINIMUM_AMOUNT.get(currency, 50):
            raise _invalid("amount", "amount_too_small", "Amount must be at least the currency's minimum.")
        intent = {"id": _new_id("pi"), "object": "payment_intent", "amount": amount, "currency": currency,
                  "customer": customer, "payment_method": method, "metadata": _metadata(params),
                  "description": params.get("description") or None, "created": int(time.time()),
                  "livemode": False}
        decline = self._take_failure({"card_declined", "authentication_required"})
        if decline:
            intent |= {"status": "requires_payment_method", "amount_received": 0,
                       "last_payment_error": {"type": "card_error", "code": decline}}
            self.payment_intents[intent["id"]] = intent
            error = {"type": "card_error", "code": decline, "message": "Your card was declined." if decline ==
                     "card_declined" else "This payment requires authentication.",
                     "payment_intent": intent, "payment_method": {"id": method, "object": "payment_method"}}
            if decline == "card_declined":
                error["decline_code"] = "generic_decline"
            raise Refused(402, error, violation=False)
        intent |= {"status": "succeeded", "amount_received": amount, "latest_charge": _new_id("ch")}
        self.payment_intents[intent["id"]] = intent
        return intent

    def _create_refund(self, params: dict[str, Any]) -> dict[str, Any]:
        _unknown(params, REFUND_PARAMS)
        intent = self.payment_intents.get(params.get("payment_intent", ""))
        if not params.get("payment_intent"):
            raise _invalid("payment_intent", "parameter_missing", "Give a charge or a payment_intent to refund.")
        if intent is None:
            raise Refused(400, {"type": "invalid_request_error", "code": "resource_missing",
                                "param": "payment_intent", "message": "No such payment_intent."})
        refunded = sum(r["amount"] for r in self.refunds_for(intent["id"]) if r["status"] in ("succeeded",
                                                                                                "pending"))
        remaining = intent["amount_received"] - refunded
        if remaining <= 0:
            raise Refused(400, {"type": "invalid_request_error", "code": "charge_already_refunded",
                                "message": "This charge has already been refunded."}, violation=False)
        amount = _integer(params, "amount", minimum=1) if "amount" in params else remaining
        if amount > remaining:
            raise Refused(400, {"type": "invalid_request_error", "code": "amount_too_large", "param": "amount",
                                "message": "Refund amount is greater than the unrefunded amount."},
                          violation=False)
        pending = self._take_failure({"refund_pending"})
        refund = {"id": _new_id("re"), "object": "refund", "amount": amount, "currency": intent["currency"],
                  "payment_intent": intent["id"], "charge": intent.get("latest_charge"),
                  "status": "pending" if pending else "succeeded", "metadata": _metadata(params),
                  "created": int(time.time())}
        self.refunds.append(refund)
        self._deliver_later(self.event("refund.created", refund))
        if not pending:
            self._deliver_later(self.event("charge.refunded", self._charge(intent)))
        return refund

    def _charge(self, intent: dict[str, Any]) -> dict[str, Any]:
        refunded = sum(r["amount"] for r in self.refunds_for(intent["id"]) if r["status"] == "succeeded")
        return {"id": intent.get("latest_charge"), "object": "charge", "amount": intent["amount_received"],
                "amount_refunded": refunded, "refunded": refunded >= intent["amount_received"],
                "currency": intent["currency"], "payment_intent": intent["id"], "metadata": intent["metadata"]}

    def finish_refund(self, refund_id: str, status: str = "succeeded") -> int:
        """A pending refund settles later: Stripe sends refund.updated (refund.failed when it failed)."""
        with self._lock:
            refund = next(r for r in self.refunds if r["id"] == refund_id)
            refund["status"] = status
        return self.send_event(self.event("refund.failed" if status == "failed" else "refund.updated", refund))

    # -- the hosted page ----------------------------------------------------------------------------------------

    def _hosted_page(self, handler: BaseHTTPRequestHandler, method: str, session_id: str, body: bytes) -> None:
        session = self.sessions.get(session_id)
        if session is None:
            self._page(handler, 404, "<p>No such Checkout Session.</p>")
            return
        if method == "GET":
            if session["status"] != "open":
                self._page(handler, 410, "<p>This Checkout Session is no longer available.</p>")
                return
            if session["mode"] == "payment":
                amount = Decimal(session["amount_total"]) / 100
                names = ", ".join(html.escape(item["price_data"]["product_data"]["name"])
                                  for item in session["line_items_data"])
                what = f"<p id=\"description\">{names}</p><p id=\"amount\">{amount:.2f} " \
                       f"{html.escape(session['currency'].upper())}</p>"
            else:
                what = "<p id=\"description\">Save a card for later payments</p>"
            self._page(handler, 200, f"{what}<form method=\"post\" action=\"/c/pay/{session_id}\">"
                                     "<button id=\"pay\" name=\"action\" value=\"pay\">Pay</button> "
                                     "<button id=\"cancel\" name=\"action\" value=\"cancel\">Cancel</button></form>")
            return
        action = dict(urllib.parse.parse_qsl(body.decode("utf-8"))).get("action")
        if session["status"] != "open" or action not in ("pay", "cancel"):
            self._page(handler, 400, "<p>This Checkout Session cannot be paid.</p>")
            return
        if action == "cancel":
            self._redirect(handler, session["cancel_url"] or session["success_url"])
            return
        self.complete(session_id)
        self._redirect(handler, session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id))

    def complete(self, session_id: str) -> dict[str, Any]:
        """The customer paid (or saved a card): the session completes and its signed event goes to the webhook."""
        with self._lock:
            session = self.sessions[session_id]
            session["status"] = "complete"
            if session["mode"] == "payment":
                intent = {"id": _new_id("pi"), "object": "payment_intent", "amount": session["amount_total"],
                          "amount_received": session["amount_total"], "currency": session["currency"],
                          "status": "succeeded", "metadata": session["payment_intent_metadata"],
                          "latest_charge": _new_id("ch"), "created": int(time.time()), "livemode": False}
                self.payment_intents[intent["id"]] = intent
                session |= {"payment_intent": intent["id"], "payment_status": "paid",
                            "customer_details": {"email": session["customer_email"]}}
            else:
                method = {"id": _new_id("pm"), "object": "payment_method", "type": "card",
                          "customer": session["customer"], "card": {"brand": "visa", "last4": "4242"}}
                self.payment_methods[method["id"]] = method
                self.setup_intents[session["setup_intent"]] |= {"status": "succeeded", "payment_method": method["id"]}
        self.send_event(self.session_event(session["client_reference_id"], "checkout.session.completed"))
        return session

    def expire(self, reference: str) -> int:
        """The session lapsed unpaid (Stripe: after expires_at, or an explicit expire): checkout.session.expired."""
        with self._lock:
            session = self.session_for(reference)
            session["status"] = "expired"
        return self.send_event(self.session_event(reference, "checkout.session.expired"))

    @staticmethod
    def _page(handler: BaseHTTPRequestHandler, status: int, content: str) -> None:
        page = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Stripe Checkout (test "
                f"double)</title></head><body><h1>Stripe Checkout (test)</h1>{content}</body></html>").encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(page)))
        handler.end_headers()
        handler.wfile.write(page)

    @staticmethod
    def _redirect(handler: BaseHTTPRequestHandler, location: str) -> None:
        handler.send_response(303)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    # -- events -------------------------------------------------------------------------------------------------

    def event(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        """A new event (a new id) with a snapshot of `obj`, as Stripe builds them."""
        event = {"id": _new_id("evt"), "object": "event", "api_version": "2026-10-28.endive",
                 "created": int(time.time()), "data": {"object": json.loads(json.dumps(self._public(obj)))},
                 "livemode": False, "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
                 "type": kind}
        with self._lock:
            self.events[event["id"]] = event
        return event

    def session_event(self, reference: str, kind: str) -> dict[str, Any]:
        """The event `kind` of the session for `reference`; the same event (same id) when asked again."""
        with self._lock:
            session = self.session_for(reference)
            key = f"{session['id']}:{kind}"
            if key not in self.events:
                self.events[key] = self.event(kind, session)
            return self.events[key]

    def notify(self, reference: str, *, duplicate: bool = False,
               kind: str = "checkout.session.completed") -> list[int]:
        """Deliver the session's event again (Stripe retries until a 2xx); `duplicate` delivers it twice."""
        event = self.session_event(reference, kind)
        return [self.send_event(event) for _ in range(2 if duplicate else 1)]

    def sign(self, body: bytes, *, timestamp: int | None = None, secret: str | None = None) -> str:
        """Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the whsec secret>."""
        moment = int(time.time()) if timestamp is None else timestamp
        signed = f"{moment}.".encode() + body
        digest = hmac.new((secret or self.webhook_secret).encode(), signed, hashlib.sha256).hexdigest()
        return f"t={moment},v1={digest}"

    def signed(self, event: dict[str, Any], *, timestamp: int | None = None,
               secret: str | None = None) -> tuple[bytes, dict[str, str]]:
        """The body and headers Stripe posts for `event`."""
        body = json.dumps(event, indent=2).encode()
        return body, {"Content-Type": "application/json; charset=utf-8",
                      "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                      "Stripe-Signature": self.sign(body, timestamp=timestamp, secret=secret)}

    def send_event(self, event: dict[str, Any], *, timestamp: int | None = None, secret: str | None = None,
                   body: bytes | None = None) -> int:
        """POST the signed event to webhook_url; `body` replaces the signed body (a tampered delivery).
        Returns the endpoint's HTTP status (0 when there is no webhook endpoint or it cannot be reached)."""
        signed_body, headers = self.signed(event, timestamp=timestamp, secret=secret)
        if not self.webhook_url:
            return 0
        request = urllib.request.Request(self.webhook_url,  # noqa: S310 (the test's own endpoint)
                                         data=body if body is not None else signed_body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (a test URL)
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            status = 0
        with self._lock:
            self.deliveries.append((event["id"], event["type"], status))
        return status

    def _deliver_later(self, event: dict[str, Any]) -> None:
        if not self.webhook_url:
            return
        thread = threading.Thread(target=self.send_event, args=(event,), daemon=True)
        self._threads.append(thread)
        thread.start()
