"""Przelewy24 against its local double: register, hosted page, signed notification + verify, refunds, failures."""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from billing.gateways import gateway
from billing.gateways.base import GatewayError, Notification, PaymentRequest, PaymentStatus, SignatureRefused
from billing.gateways.doubles.przelewy24 import Przelewy24Double
from billing.gateways.przelewy24 import Przelewy24Gateway, sign


@dataclass
class Receiver:
    """Our urlStatus: a real local server that settles each notification as the web view does."""

    url: str
    gateway: Przelewy24Gateway | None = None
    bodies: list[bytes] = field(default_factory=list)
    settled: list[Notification | GatewayError] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            target = box[0]
            target.bodies.append(body)
            status = 200
            if target.gateway is not None:
                try:
                    target.settled.append(target.gateway.settle(
                        method="POST", query={}, headers={k.lower(): v for k, v in self.headers.items()},
                        body=body))
                except GatewayError as error:
                    target.settled.append(error)
                    status = 400
            # Before the answer: the sender returns once answered, and a test that then clears `arrived` to wait
            # for the next notification must not see this one's signal land late.
            target.arrived.set()
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    box.append(Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/pay/notify/przelewy24/"))
    yield box[0]
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def p24() -> Iterator[Przelewy24Double]:
    with Przelewy24Double(timeout_delay=2.5) as double, \
            override_settings(**double.settings(), PAYMENT_GATEWAY_TIMEOUT=1):
        yield double


@pytest.fixture
def client(p24: Przelewy24Double, receiver: Receiver) -> Przelewy24Gateway:
    built = gateway("przelewy24")
    assert isinstance(built, Przelewy24Gateway)
    receiver.gateway = built
    return built


def payment(receiver: Receiver, reference: str = "pay-7f3a9c", amount: int = 4550) -> PaymentRequest:
    return PaymentRequest(reference=reference, amount_minor=amount, currency="PLN",
                          description="Strzyżenie / Salon Test", email="klient@example.pl", language="pl",
                          country="PL", return_url="https://tilli.example/pay/return/abc/",
                          cancel_url="https://tilli.example/pay/cancel/abc/", notify_url=receiver.url)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def browser_pay(redirect_url: str, action: str = "pay") -> str:
    """GET the hosted page, press a button (POST its form), return where the redirect sends the browser."""
    with urllib.request.urlopen(redirect_url, timeout=5) as page:
        text = page.read().decode()
    assert "id='pay'" in text and "id='cancel'" in text
    assert "45.50 PLN" in text or action != "pay"
    form_action = text.split("<form method='post' action='")[1].split("'")[0]
    parts = urllib.parse.urlsplit(redirect_url)
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(f"{parts.scheme}://{parts.netloc}{form_action}",
                                     data=urllib.parse.urlencode({"action": action}).encode(), method="POST")
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(request, timeout=10)
    assert redirect.value.code == 303
    return redirect.value.headers["Location"]


def paid(client: Przelewy24Gateway, p24: Przelewy24Double, receiver: Receiver, reference: str = "pay-7f3a9c",
         amount: int = 4550) -> Notification:
    checkout = client.start(payment(receiver, reference, amount))
    receiver.settled.clear()
    browser_pay(checkout.redirect_url)
    [notification] = receiver.settled
    assert isinstance(notification, Notification)
    return notification


def test_sign_is_sha384_of_php_style_json_with_unescaped_slashes_and_unicode() -> None:
    fields = {"sessionId": "a/ż", "merchantId": 1, "amount": 100, "currency": "PLN", "crc": "k"}
    literal = '{"sessionId":"a/ż","merchantId":1,"amount":100,"currency":"PLN","crc":"k"}'
    expected = hashlib.sha384(literal.encode()).hexdigest()
    assert sign(fields, ("sessionId", "merchantId", "amount", "currency", "crc")) == expected


def test_customer_pays_on_hosted_page_and_verified_notification_settles_paid(
        client: Przelewy24Gateway, p24: Przelewy24Double, receiver: Receiver) -> None:
    checkout = client.start(payment(receiver))
    assert checkout.redirect_url == f"{p24.url}/trnRequest/{checkout.provider_ref}"
    registered = p24.transactions[checkout.provider_ref].body
    assert registered["amount"] == 4550 and registered["currency"] == "PLN" and registered["sessionId"] == "pay-7f3a9c"
    assert registered["urlStatus"] == receiver.url and registered["language"] == "pl"

    location = browser_pay(checkout.redirect_url)

    assert location == "https://tilli.example/pay/return/abc/"
    [notification] = receiver.settled
    transaction = p24.transactions[checkout.provider_ref]
    assert notification == Notification(reference="pay-7f3a9c", provider_ref=str(transaction.order_id),
                                        status=PaymentStatus.PAID, amount_minor=4550, currency="PLN",
                                        event_id=str(transaction.order_id))
    assert transaction.verified == 1  # PAID only after transaction/verify confirmed it
    assert ("PUT", "/api/v1/transaction/verify") in p24.requests
    assert p24.errors == []


def test_cancel_returns_to_url_return_without_notification(client, p24, receiver) -> None:
    checkout = client.start(payment(receiver))
    assert browser_pay(checkout.redirect_url, action="cancel") == "https://tilli.example/pay/return/abc/"
    assert receiver.bodies == [] and p24.transactions[checkout.provider_ref].paid is False


def test_return_carries_nothing_signed_and_is_refused(client, p24, receiver) -> None:
    with pytest.raises(SignatureRefused) as refused:
        client.settle(method="GET", query={"sessionId": "pay-7f3a9c"}, headers={}, body=b"")
    assert refused.value.code == "p24:return-unsigned"


@pytest.mark.parametrize(("overrides", "sign_with", "code"), [
    ({"sign": "0" * 96}, None, "p24:signature"),
    ({"amount": 1}, None, "p24:signature"),  # tampered after signing
    ({"currency": "EUR"}, None, "p24:signature"),
    ({}, "another-crc", "p24:signature"),  # signed by someone without our CRC key
    ({"amount": "4550"}, None, "p24:field-amount"),
    ({"orderId": None}, None, "p24:field-orderId"),
    ({"merchantId": 1}, None, "p24:signature"),
])
def test_tampered_notification_is_refused_without_verifying(client, p24, receiver, overrides, sign_with,
                                                            code) -> None:
    client.start(payment(receiver))
    p24.by_session("pay-7f3a9c").paid = True
    body = p24.notification_body("pay-7f3a9c", sign_with=sign_with, **overrides)
    with pytest.raises(SignatureRefused) as refused:
        client.settle(method="POST", query={}, headers={"content-type": "application/json"}, body=body)
    assert refused.value.code == code
    assert ("PUT", "/api/v1/transaction/verify") not in p24.requests


def test_notification_for_another_shop_is_refused(client, p24, receiver) -> None:
    client.start(payment(receiver))
    other = Przelewy24Gateway(merchant_id=999, pos_id=999, crc=p24.crc, api_key="x", api_base=p24.url, timeout=1)
    with pytest.raises(SignatureRefused):
        other.settle(method="POST", query={}, headers={}, body=p24.notification_body("pay-7f3a9c"))


def test_duplicate_notification_keeps_its_event_id_so_the_caller_refuses_the_replay(client, p24, receiver) -> None:
    first = paid(client, p24, receiver)
    p24.notify("pay-7f3a9c", duplicate=True)
    [_, again] = receiver.settled
    assert isinstance(again, Notification)
    assert again.event_id == first.event_id and again.reference == first.reference


def test_out_of_order_notifications_each_settle_their_own_payment(client, p24, receiver) -> None:
    client.start(payment(receiver, "pay-first", 1000))
    client.start(payment(receiver, "pay-second", 2000))
    p24.by_session("pay-second").paid = True
    p24.by_session("pay-first").paid = True
    later = client.settle(method="POST", query={}, headers={}, body=p24.notification_body("pay-second"))
    earlier = client.settle(method="POST", query={}, headers={}, body=p24.notification_body("pay-first"))
    assert (later.reference, later.amount_minor) == ("pay-second", 2000)
    assert (earlier.reference, earlier.amount_minor) == ("pay-first", 1000)
    assert later.event_id != earlier.event_id


def test_notification_of_an_unpaid_transaction_fails_verification(client, p24, receiver) -> None:
    client.start(payment(receiver))
    # Correctly signed (someone with the CRC key, or a stale notification), but Przelewy24 has no payment.
    with pytest.raises(GatewayError) as error:
        client.settle(method="POST", query={}, headers={}, body=p24.notification_body("pay-7f3a9c"))
    assert error.value.code == "p24:verify:http-400" and not error.value.retryable


@pytest.mark.parametrize(("failure", "code", "retryable"), [
    ("timeout", "p24:timeout", True),
    ("500", "p24:verify:http-500", True),
    ("503", "p24:verify:http-503", True),
    ("declined", "p24:verify:http-400", False),
    ("401", "p24:verify:http-401", False),
])
def test_verify_failures(client, p24, receiver, failure, code, retryable) -> None:
    client.start(payment(receiver))
    p24.by_session("pay-7f3a9c").paid = True
    p24.fail_next(failure)
    with pytest.raises(GatewayError) as error:
        client.settle(method="POST", query={}, headers={}, body=p24.notification_body("pay-7f3a9c"))
    assert (error.value.code, error.value.retryable) == (code, retryable)
    # The provider notifies again later; then it verifies.
    assert client.settle(method="POST", query={}, headers={},
                         body=p24.notification_body("pay-7f3a9c")).status == PaymentStatus.PAID


@pytest.mark.parametrize(("failure", "code", "retryable"), [
    ("timeout", "p24:timeout", True),
    ("500", "p24:register:http-500", True),
    ("400", "p24:register:http-400", False),
    ("401", "p24:register:http-401", False),
])
def test_register_failures(client, p24, receiver, failure, code, retryable) -> None:
    p24.fail_next(failure)
    with pytest.raises(GatewayError) as error:
        client.start(payment(receiver))
    assert (error.value.code, error.value.retryable) == (code, retryable)
    assert str(error.value) == code and "klient" not in str(error.value)


def test_unreachable_provider_is_retryable(receiver) -> None:
    with Przelewy24Double() as double:
        url = double.url
    down = Przelewy24Gateway(merchant_id=1, pos_id=1, crc="c", api_key="k", api_base=url, timeout=1)
    with pytest.raises(GatewayError) as error:
        down.start(payment(receiver))
    assert error.value.retryable and error.value.code == "p24:unreachable"


def test_double_catches_a_wrong_sign_and_wrong_credentials(p24, receiver) -> None:
    wrong_crc = Przelewy24Gateway(merchant_id=p24.merchant_id, pos_id=p24.pos_id, crc="not-the-crc",
                                  api_key=p24.api_key, api_base=p24.url, timeout=2)
    with pytest.raises(GatewayError) as error:
        wrong_crc.start(payment(receiver))
    assert error.value.code == "p24:register:http-400" and not error.value.retryable
    assert p24.errors == ["transaction/register: sign does not match"]
    wrong_key = Przelewy24Gateway(merchant_id=p24.merchant_id, pos_id=p24.pos_id, crc=p24.crc,
                                  api_key="wrong", api_base=p24.url, timeout=2)
    with pytest.raises(GatewayError) as error:
        wrong_key.start(payment(receiver))
    assert error.value.code == "p24:register:http-401"
    assert wrong_key.test_access() is False
    p24.errors.clear()


def test_amount_must_be_integer_minor_units_and_currency_an_iso_code(client, p24, receiver) -> None:
    for amount, currency in ((0, "PLN"), (-5, "PLN"), (100, "zł")):
        with pytest.raises(GatewayError):
            client.start(PaymentRequest(**{**payment(receiver).__dict__, "amount_minor": amount,
                                           "currency": currency}))
    assert p24.requests == []  # refused before anything was sent


def test_languages_map_to_przelewy24_codes(client, p24, receiver) -> None:
    for ours, theirs in (("sv", "se"), ("fi", "en"), ("en", "en")):
        checkout = client.start(PaymentRequest(**{**payment(receiver).__dict__, "language": ours}))
        assert p24.transactions[checkout.provider_ref].body["language"] == theirs
    assert p24.errors == []


def test_refund_reference_must_fit_refunds_uuid(client, p24, receiver) -> None:
    payment_done = paid(client, p24, receiver)
    with pytest.raises(GatewayError) as error:
        client.refund(payment=payment_done, amount_minor=100, reference="r" * 36, notify_url=receiver.url)
    assert error.value.code == "p24:refund-reference" and p24.refunds == []


def test_a_retried_registration_gets_a_new_token_and_only_the_paid_one_settles(client, p24, receiver) -> None:
    first = client.start(payment(receiver))
    second = client.start(payment(receiver))
    assert first.provider_ref != second.provider_ref
    browser_pay(second.redirect_url)
    [notification] = receiver.settled
    assert notification.status == PaymentStatus.PAID and p24.transactions[first.provider_ref].paid is False


def test_full_refund_is_accepted_then_its_notification_settles_refunded(client, p24, receiver) -> None:
    payment_done = paid(client, p24, receiver)
    receiver.arrived.clear()
    result = client.refund(payment=payment_done, amount_minor=4550, reference="refund-1a", notify_url=receiver.url)
    assert result.status == PaymentStatus.PENDING and result.provider_ref == "refund-1a"
    assert receiver.arrived.wait(5)
    [refund] = p24.refunds
    assert (refund["amount"], refund["requestId"], refund["refundsUuid"]) == (4550, "refund-1a", "refund-1a")
    notification = receiver.settled[-1]
    assert notification == Notification(reference="refund-1a", provider_ref=payment_done.provider_ref,
                                        status=PaymentStatus.REFUNDED, amount_minor=4550, currency="PLN",
                                        event_id="refund:refund-1a", is_refund=True)
    assert p24.errors == []


def test_partial_refunds_up_to_the_paid_amount_then_refused(client, p24, receiver) -> None:
    payment_done = paid(client, p24, receiver)
    client.refund(payment=payment_done, amount_minor=1500, reference="refund-a", notify_url=receiver.url)
    client.refund(payment=payment_done, amount_minor=3000, reference="refund-b", notify_url=receiver.url)
    with pytest.raises(GatewayError) as error:
        client.refund(payment=payment_done, amount_minor=100, reference="refund-c", notify_url=receiver.url)
    assert error.value.code == "p24:refund:refused" and not error.value.retryable
    assert [r["amount"] for r in p24.refunds] == [1500, 3000]


def test_a_retried_refund_reuses_its_request_id_and_refunds_once(client, p24, receiver) -> None:
    payment_done = paid(client, p24, receiver)
    p24.fail_next("lost")  # Przelewy24 takes the refund, its answer never reaches us
    with pytest.raises(GatewayError) as error:
        client.refund(payment=payment_done, amount_minor=2000, reference="refund-r", notify_url=receiver.url)
    assert error.value.retryable and error.value.code == "p24:timeout"
    # The retry carries the same requestId: "Request already exists", so the earlier attempt stands.
    again = client.refund(payment=payment_done, amount_minor=2000, reference="refund-r", notify_url=receiver.url)
    assert again.status == PaymentStatus.PENDING
    assert [(r["requestId"], r["amount"]) for r in p24.refunds] == [("refund-r", 2000)]
    assert p24.request_ids == {"refund-r"}


def test_refund_failures(client, p24, receiver) -> None:
    payment_done = paid(client, p24, receiver)
    for failure, code, retryable in (("500", "p24:refund:http-500", True), ("declined", "p24:refund:refused", False),
                                     ("401", "p24:refund:http-401", False)):
        p24.fail_next(failure)
        with pytest.raises(GatewayError) as error:
            client.refund(payment=payment_done, amount_minor=100, reference=f"refund-{failure}",
                          notify_url=receiver.url)
        assert (error.value.code, error.value.retryable) == (code, retryable)
    with pytest.raises(GatewayError):
        client.refund(payment=payment_done, amount_minor=4551, reference="refund-too-much", notify_url=receiver.url)
    assert p24.refunds == []


def test_refund_notification_rejected_status_and_tampering(client, p24, receiver) -> None:
    payment_done = paid(client, p24, receiver)
    client.refund(payment=payment_done, amount_minor=4550, reference="refund-z", notify_url=receiver.url)
    [refund] = p24.refunds
    rejected = client.settle(method="POST", query={}, headers={}, body=p24.refund_notification_body(refund, outcome=1))
    assert rejected.status == PaymentStatus.REFUND_FAILED and rejected.is_refund
    for tampered in ({"amount": 1}, {"status": 1}, {"refundsUuid": "refund-other"}, {"sign": "f" * 96}):
        with pytest.raises(SignatureRefused):
            client.settle(method="POST", query={}, headers={}, body=p24.refund_notification_body(refund, **tampered))


def test_test_access_says_whether_the_credentials_work(client, p24) -> None:
    assert client.test_access() is True
    assert ("GET", "/api/v1/testAccess") in p24.requests


@pytest.mark.parametrize("missing", ["P24_MERCHANT_ID", "P24_CRC", "P24_API_KEY", "P24_API_BASE"])
def test_from_settings_is_loud_when_a_setting_is_missing(p24, missing) -> None:
    with override_settings(**{missing: ""}), pytest.raises(ImproperlyConfigured) as error:
        Przelewy24Gateway.from_settings()
    assert missing in str(error.value)


def test_notification_body_is_json(client) -> None:
    with pytest.raises(SignatureRefused):
        client.settle(method="POST", query={}, headers={}, body=b"merchantId=1&sign=x")
    with pytest.raises(SignatureRefused):
        client.settle(method="POST", query={}, headers={}, body=json.dumps([1, 2]).encode())
