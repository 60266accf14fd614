"""A local Przelewy24 for tests: a real HTTP server that checks requests as the REST API v1 documents them.

It recomputes every `sign` from the documented recipe (its own code, not the client's), checks Basic auth
(posId, API key), field names and types (amounts are integers in grosze), and answers with Przelewy24's
shapes: 200 {"data": {"token": ...}, "responseCode": 0}, 400 {"error": ..., "code": 400}, 401, 409 for a
refund it cannot do, 201 for a refund it takes. Each violation is also recorded in `errors` (tests assert it
stays empty).

The hosted page /trnRequest/{token} shows the amount with "Pay" (id `pay`) and "Cancel" (id `cancel`). Pay
marks the transaction paid, POSTs the signed JSON notification to its urlStatus, then redirects (303) to
urlReturn; Cancel redirects to urlReturn too (Przelewy24 has no separate cancel address).

    with Przelewy24Double() as p24, override_settings(**p24.settings()):
        ...
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from billing.gateways.doubles import answered_browser_noise
from tilli.lib.loopback import LoopbackServer

CURRENCIES = {"PLN", "EUR", "GBP", "CZK"}
LANGUAGES = {"bg", "cs", "de", "en", "es", "fr", "hr", "hu", "it", "nl", "pl", "pt", "se", "sk", "ro"}
FAILURES = {"timeout", "lost", "500", "503", "400", "401", "declined"}


def p24_sign(values: dict[str, Any], names: list[str], crc: str) -> str:
    """The documented checksum: sha384 of json_encode(..., JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES)."""
    parts = []
    for name in [*names, "crc"]:
        value = crc if name == "crc" else values[name]
        encoded = json.dumps(value, ensure_ascii=False)
        encoded = encoded.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        parts.append(f'"{name}":{encoded}')
    return hashlib.sha384(("{" + ",".join(parts) + "}").encode("utf-8")).hexdigest()


REGISTER_REQUIRED = {"merchantId": int, "posId": int, "sessionId": str, "amount": int, "currency": str,
                     "description": str, "email": str, "country": str, "language": str, "urlReturn": str,
                     "sign": str}
REGISTER_OPTIONAL = {"urlStatus": str, "client": str, "address": str, "zip": str, "city": str, "phone": str,
                     "method": int, "timeLimit": int, "channel": int, "waitForResult": bool, "regulationAccept": bool,
                     "shipping": int, "transferLabel": str, "mobileLib": int, "sdkVersion": str, "encoding": str,
                     "methodRefId": str, "urlCardPaymentNotification": str}
VERIFY_FIELDS = {"merchantId": int, "posId": int, "sessionId": str, "amount": int, "currency": str, "orderId": int,
                 "sign": str}


@dataclass
class Transaction:
    token: str
    body: dict[str, Any]
    order_id: int = 0
    paid: bool = False
    verified: int = 0  # how many times transaction/verify confirmed it
    refunded: int = 0


@dataclass
class Sent:
    url: str
    body: bytes
    status: int  # 0 when the receiver did not answer


def _type_ok(value: Any, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


class Przelewy24Double:
    def __init__(self, *, merchant_id: int = 424242, pos_id: int | None = None, crc: str = "crc-test-0123456789ab",
                 api_key: str = "api-key-test-abcdef0123456789", timeout_delay: float = 3.0, port: int = 0) -> None:
        self.port = port  # 0: any free loopback port (tests); the demo's fixed port otherwise
        self.merchant_id = merchant_id
        self.pos_id = pos_id or merchant_id
        self.crc = crc
        self.api_key = api_key
        self.timeout_delay = timeout_delay
        self.errors: list[str] = []
        self.transactions: dict[str, Transaction] = {}  # by token
        self.refunds: list[dict[str, Any]] = []  # one per refund Przelewy24 accepted
        self.request_ids: set[str] = set()
        self.sent: list[Sent] = []  # the notifications this double sent
        self.requests: list[tuple[str, str]] = []  # (method, path) of every API request
        self._failures: list[str] = []
        self._order_ids = itertools.count(300000001)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.url = ""

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def __enter__(self) -> Przelewy24Double:
        def handle(handler: BaseHTTPRequestHandler) -> None:
            if not answered_browser_noise(handler):
                self._dispatch(handler)

        self._server = LoopbackServer(handle, methods=("GET", "POST", "PUT", "DELETE"), port=self.port).start()
        self.url = self._server.url
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.stop()

    def settings(self) -> dict[str, Any]:
        return {"PAYMENT_GATEWAYS": ["przelewy24"], "P24_MERCHANT_ID": self.merchant_id, "P24_POS_ID": self.pos_id,
                "P24_CRC": self.crc, "P24_API_KEY": self.api_key, "P24_API_BASE": self.url}

    def fail_next(self, kind: str) -> None:
        """The next API request fails: "timeout" (no answer in time, nothing done), "lost" (done, but the answer
        comes after the client gave up), "500"/"503", "400", "401", or "declined"
        (verify: 400 as for a transaction Przelewy24 does not confirm; refund: 201 with status false)."""
        assert kind in FAILURES, kind
        self._failures.append(kind)

    # -- what tests use ----------------------------------------------------------------------------------------

    def by_session(self, session_id: str) -> Transaction:
        matches = [t for t in self.transactions.values() if t.body["sessionId"] == session_id]
        assert matches, f"no transaction registered for {session_id}"
        return matches[-1]

    def notification_body(self, session_id: str, *, sign_with: str | None = None, **overrides: Any) -> bytes:
        """The signed notification of the paid transaction (overrides are applied AFTER signing: tampering)."""
        transaction = self.by_session(session_id)
        if not transaction.order_id:
            transaction.order_id = next(self._order_ids)
        values = {"merchantId": self.merchant_id, "posId": self.pos_id, "sessionId": session_id,
                  "amount": transaction.body["amount"], "originAmount": transaction.body["amount"],
                  "currency": transaction.body["currency"], "orderId": transaction.order_id, "methodId": 181,
                  "statement": f"p24-{transaction.order_id}"}
        values["sign"] = p24_sign(values, ["merchantId", "posId", "sessionId", "amount", "originAmount", "currency",
                                           "orderId", "methodId", "statement"], sign_with or self.crc)
        values.update(overrides)
        return json.dumps(values, ensure_ascii=False).encode("utf-8")

    def refund_notification_body(self, refund: dict[str, Any], *, outcome: int = 0, **overrides: Any) -> bytes:
        values = {"orderId": refund["orderId"], "sessionId": refund["sessionId"], "merchantId": self.merchant_id,
                  "requestId": refund["requestId"], "refundsUuid": refund["refundsUuid"], "amount": refund["amount"],
                  "currency": refund["currency"], "timestamp": int(refund.get("timestamp", 0)), "status": outcome}
        values["sign"] = p24_sign(values, ["orderId", "sessionId", "refundsUuid", "merchantId", "amount", "currency",
                                           "status"], self.crc)
        values.update(overrides)
        return json.dumps(values, ensure_ascii=False).encode("utf-8")

    def pay(self, token: str) -> None:
        """What the Pay button does: the payer pays, Przelewy24 notifies urlStatus."""
        transaction = self.transactions[token]
        transaction.paid = True
        self.notify(transaction.body["sessionId"])

    def notify(self, session_id: str, duplicate: bool = False) -> Sent:
        """Send (again, with duplicate=True) the signed payment notification to the transaction's urlStatus."""
        transaction = self.by_session(session_id)
        if not duplicate:
            transaction.paid = True
        return self.send_event(transaction.body.get("urlStatus", ""), self.notification_body(session_id))

    def send_event(self, url: str, body: bytes) -> Sent:
        """POST a JSON notification as Przelewy24 does and record the receiver's answer."""
        status = 0
        if url.startswith(("http://", "https://")):
            request = urllib.request.Request(url, data=body, method="POST",  # noqa: S310 (checked above)
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                    status = answer.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0
        sent = Sent(url=url, body=body, status=status)
        self.sent.append(sent)
        return sent

    # -- the server --------------------------------------------------------------------------------------------

    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urllib.parse.urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        path = parts.path
        after: list[tuple[str, bytes]] = []
        if path.startswith("/trnRequest/"):
            status, content_type, payload, location = self._hosted(handler.command, path, raw)
        else:
            self.requests.append((handler.command, path))
            lost = bool(self._failures) and self._failures[0] == "lost"
            status, answer = self._api(handler, path, raw, after)
            if status == -1:  # an injected timeout: answer nothing until the client has given up
                self._stop.wait(self.timeout_delay)
                status, answer = 500, {"error": "timeout", "code": 500}
            elif lost:  # done, but the answer arrives after the client has given up
                self._stop.wait(self.timeout_delay)
            content_type, payload, location = "application/json", json.dumps(answer).encode(), ""
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(payload)))
            if location:
                handler.send_header("Location", location)
            handler.end_headers()
            handler.wfile.write(payload)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return
        for url, body in after:  # refund notifications go out after the refund was answered
            self.send_event(url, body)

    def _violation(self, text: str) -> tuple[int, dict[str, Any]]:
        self.errors.append(text)
        return 400, {"error": "Invalid input data", "code": 400}

    def _authorized(self, handler: BaseHTTPRequestHandler) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.pos_id}:{self.api_key}".encode()).decode()
        return handler.headers.get("Authorization", "") == expected

    def _json_body(self, handler: BaseHTTPRequestHandler, raw: bytes) -> Any:
        if handler.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def _api(self, handler: BaseHTTPRequestHandler, path: str, raw: bytes,
             after: list[tuple[str, bytes]]) -> tuple[int, Any]:
        routes = {("POST", "/api/v1/transaction/register"): self._register,
                  ("PUT", "/api/v1/transaction/verify"): self._verify,
                  ("POST", "/api/v1/transaction/refund"): self._refund,
                  ("GET", "/api/v1/testAccess"): None}
        if (handler.command, path) not in routes:
            self.errors.append(f"unknown endpoint {handler.command} {path}")
            return 404, {"error": "Not found", "code": 404}
        failure = self._failures.pop(0) if self._failures else ""
        if failure == "timeout":
            return -1, None
        if failure == "lost":
            failure = ""
        if failure in ("500", "503"):
            return int(failure), {"error": "Service unavailable", "code": int(failure)}
        if failure == "400":
            return 400, {"error": "Invalid input data", "code": 400}
        if failure == "401" or not self._authorized(handler):
            if failure != "401":
                self.errors.append(f"{path}: wrong or missing Basic auth")
            return 401, {"error": "Incorrect authentication", "code": 401}
        if path == "/api/v1/testAccess":
            return 200, {"data": True, "error": ""}
        body = self._json_body(handler, raw)
        if not isinstance(body, dict):
            return self._violation(f"{path}: body is not a JSON object (application/json)")
        with self._lock:
            return routes[(handler.command, path)](body, failure, after)

    def _check_fields(self, path: str, body: dict[str, Any], required: dict[str, type],
                      optional: dict[str, type] | None = None) -> str:
        for name, kind in required.items():
            if name not in body:
                return f"{path}: {name} missing"
            if not _type_ok(body[name], kind):
                return f"{path}: {name} is not {kind.__name__}"
        for name, value in body.items():
            if name in required:
                continue
            if optional is None or name not in optional:
                return f"{path}: unknown field {name}"
            if not _type_ok(value, optional[name]):
                return f"{path}: {name} is not {optional[name].__name__}"
        if body["merchantId"] != self.merchant_id or body["posId"] != self.pos_id:
            return f"{path}: merchantId/posId are not this shop's"
        return ""

    def _register(self, body: dict[str, Any], failure: str, after: list[tuple[str, bytes]]) -> tuple[int, Any]:
        path = "transaction/register"
        problem = self._check_fields(path, body, REGISTER_REQUIRED, REGISTER_OPTIONAL)
        if not problem:
            url_status = body.get("urlStatus", "https://")
            checks = (
                (body["amount"] > 0, "amount must be a positive integer in the lowest unit"),
                (body["currency"] in CURRENCIES, f"currency {body['currency']} not accepted"),
                (0 < len(body["sessionId"]) <= 100, "sessionId empty or longer than 100"),
                (0 < len(body["email"]) <= 50, "email empty or longer than 50"),
                (len(body["description"]) <= 1024, "description longer than 1024"),
                (body["language"] in LANGUAGES, f"language {body['language']} not supported"),
                (len(body["country"]) == 2 and body["country"].isupper(), "country is not two capital letters"),
                (all(url.startswith(("http://", "https://")) and len(url) <= 250
                     for url in (body["urlReturn"], url_status)), "urlReturn/urlStatus not an absolute URL <= 250"),
                (body["sign"] == p24_sign(body, ["sessionId", "merchantId", "amount", "currency"], self.crc),
                 "sign does not match"),
            )
            problem = next((message for ok, message in checks if not ok), "")
        if problem:
            return self._violation(f"{path}: {problem}")
        token = str(uuid.uuid4()).upper()
        self.transactions[token] = Transaction(token=token, body=body)
        return 200, {"data": {"token": token}, "responseCode": 0}

    def _verify(self, body: dict[str, Any], failure: str, after: list[tuple[str, bytes]]) -> tuple[int, Any]:
        path = "transaction/verify"
        problem = self._check_fields(path, body, VERIFY_FIELDS)
        if not problem and body["sign"] != p24_sign(body, ["sessionId", "orderId", "amount", "currency"], self.crc):
            problem = "sign does not match"
        if problem:
            return self._violation(f"{path}: {problem}")
        matches = [t for t in self.transactions.values()
                   if t.body["sessionId"] == body["sessionId"] and t.order_id == body["orderId"] and t.paid]
        if failure == "declined" or not matches:
            return 400, {"error": "Transaction not found or not paid", "code": 400}
        transaction = matches[0]
        if body["amount"] != transaction.body["amount"] or body["currency"] != transaction.body["currency"]:
            return 400, {"error": "Invalid amount or currency", "code": 400}
        transaction.verified += 1
        return 200, {"data": {"status": "success"}, "responseCode": 0}

    def _refund(self, body: dict[str, Any], failure: str, after: list[tuple[str, bytes]]) -> tuple[int, Any]:
        path = "transaction/refund"
        required = {"requestId": str, "refunds": list, "refundsUuid": str}
        problem = ""
        for name, kind in required.items():
            if not _type_ok(body.get(name), kind):
                problem = f"{name} missing or not {kind.__name__}"
        unknown = set(body) - {*required, "urlStatus"}
        if unknown:
            problem = f"unknown field(s) {sorted(unknown)}"
        if not problem and not body["refunds"]:
            problem = "refunds is empty"
        if not problem and (len(body["requestId"]) > 45 or len(body["refundsUuid"]) > 35):
            problem = "requestId longer than 45 or refundsUuid longer than 35"
        for item in body.get("refunds") or []:
            if problem:
                break
            if not isinstance(item, dict) or not _type_ok(item.get("orderId"), int) \
                    or not _type_ok(item.get("sessionId"), str) or not _type_ok(item.get("amount"), int) \
                    or item["amount"] <= 0 or len(str(item.get("description", ""))) > 35 \
                    or set(item) - {"orderId", "sessionId", "amount", "description"}:
                problem = "a refund item is not {orderId:int, sessionId, amount:int>0, description<=35}"
        if problem:
            return self._violation(f"{path}: {problem}")
        if body["requestId"] in self.request_ids:
            return 400, {"error": "Request already exists", "code": 400}
        self.request_ids.add(body["requestId"])
        results, refused = [], False
        for item in body["refunds"]:
            result = {**item, "description": item.get("description", ""), "status": True, "message": "success"}
            matches = [t for t in self.transactions.values()
                       if t.order_id == item["orderId"] and t.body["sessionId"] == item["sessionId"]]
            if not matches:
                result.update(status=False, message="Transaction not found")
            elif not matches[0].verified:
                result.update(status=False, message="Transaction in wrong status - cannot refund")
            elif item["amount"] > matches[0].body["amount"] - matches[0].refunded:
                result.update(status=False, message="The amount of refund exceeds available amount for the transaction")
            refused = refused or not result["status"]
            results.append(result)
        if refused:
            return 409, {"error": results, "code": 409}
        if failure == "declined":
            return 201, {"data": [{**r, "status": False, "message": "Insufficient funds available"} for r in results],
                         "responseCode": 0}
        for item in body["refunds"]:
            transaction = next(t for t in self.transactions.values() if t.order_id == item["orderId"])
            transaction.refunded += item["amount"]
            refund = {"orderId": item["orderId"], "sessionId": item["sessionId"], "requestId": body["requestId"],
                      "refundsUuid": body["refundsUuid"], "amount": item["amount"],
                      "currency": transaction.body["currency"], "timestamp": 1_700_000_000 + len(self.refunds)}
            self.refunds.append(refund)
            if body.get("urlStatus"):
                after.append((body["urlStatus"], self.refund_notification_body(refund)))
        return 201, {"data": results, "responseCode": 0}

    # -- the hosted payment page -------------------------------------------------------------------------------

    def _hosted(self, method: str, path: str, raw: bytes) -> tuple[int, str, bytes, str]:
        token = urllib.parse.unquote(path.removeprefix("/trnRequest/"))
        transaction = self.transactions.get(token)
        if transaction is None:
            return 404, "text/html; charset=utf-8", b"<h1>Unknown transaction</h1>", ""
        if method == "GET":
            amount = transaction.body["amount"]
            page = (
                "<!doctype html><html><head><meta charset='utf-8'><title>Przelewy24 (test)</title></head><body>"
                f"<h1>Przelewy24 test payment</h1><p id='amount'>{amount // 100}.{amount % 100:02d} "
                f"{html.escape(transaction.body['currency'])}</p>"
                f"<p>{html.escape(transaction.body['description'])}</p>"
                f"<form method='post' action='/trnRequest/{html.escape(urllib.parse.quote(token))}'>"
                "<button type='submit' id='pay' name='action' value='pay'>Pay</button>"
                "<button type='submit' id='cancel' name='action' value='cancel'>Cancel</button>"
                "</form></body></html>"
            )
            return 200, "text/html; charset=utf-8", page.encode(), ""
        action = urllib.parse.parse_qs(raw.decode()).get("action", [""])[0]
        if action == "pay" and not transaction.paid:
            self.pay(token)
        return 303, "text/plain", b"", transaction.body["urlReturn"]
