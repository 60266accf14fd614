"""The Paytrail gateway against a local Paytrail that checks every request as the Payment API documents it."""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from billing.gateways import gateway
from billing.gateways.base import GatewayError, Notification, PaymentRequest, PaymentStatus, SignatureRefused
from billing.gateways.doubles.paytrail import TEST_ACCOUNT, TEST_SECRET, PaytrailDouble, hmac_hex
from billing.gateways.paytrail import PaytrailGateway


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


browser = urllib.request.build_opener(_NoRedirect)


class Receiver:
    """Our side of the callbacks: a local server that records each GET's query and answers 200."""

    def __init__(self) -> None:
        self.queries: list[dict[str, str]] = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                receiver.queries.append(dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query)))
                receiver.arrived.set()
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def wait_for(self, count: int) -> list[dict[str, str]]:
        for _ in range(50):
            if len(self.queries) >= count:
                break
            self.arrived.wait(0.1)
            self.arrived.clear()
        return self.queries


@pytest.fixture
def double() -> Iterator[PaytrailDouble]:
    with PaytrailDouble() as running:
        yield running
        assert running.errors == [], running.errors  # tests that provoke a refusal check it and clear it


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()
    running.server.server_close()


def make_gateway(double: PaytrailDouble, **kwargs: object) -> PaytrailGateway:
    options = {"account": TEST_ACCOUNT, "secret": TEST_SECRET, "api_base": double.url, "timeout": 1.0, **kwargs}
    return PaytrailGateway(**options)  # type: ignore[arg-type]


def payment_request(receiver: Receiver, reference: str = "pay-0001", amount: int = 2550,
                    language: str = "fi") -> PaymentRequest:
    return PaymentRequest(
        reference=reference, amount_minor=amount, currency="EUR", description="Hiustenleikkaus – Parturi Äänekoski",
        email="payer@example.org", language=language, country="FI",
        return_url="http://localhost:8000/pay/return/paytrail/?p=1",
        cancel_url="http://localhost:8000/pay/cancel/paytrail/",
        notify_url=f"{receiver.url}/pay/notify/paytrail/",
    )


def query_of(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def click(href: str, button: str) -> str:
    """GET the hosted page as a browser would, submit the button's form, return the redirect's Location."""
    with browser.open(href, timeout=5) as page:
        html = page.read().decode()
    assert f'id="{button}"' in html
    form_action = f"{urllib.parse.urlsplit(href).path}/{button}"
    assert f'action="{form_action}"' in html
    parts = urllib.parse.urlsplit(href)
    request = urllib.request.Request(f"{parts.scheme}://{parts.netloc}{form_action}", data=b"", method="POST")
    with pytest.raises(urllib.error.HTTPError) as redirect:
        browser.open(request, timeout=5)
    assert redirect.value.code == 302
    return redirect.value.headers["Location"]


def settle(gw: PaytrailGateway, query: dict[str, str], method: str = "GET") -> Notification:
    return gw.settle(method=method, query=query, headers={}, body=b"")


def paid(double: PaytrailDouble, receiver: Receiver, reference: str = "pay-0001",
         amount: int = 2550) -> tuple[PaytrailGateway, Notification]:
    gw = make_gateway(double)
    checkout = gw.start(payment_request(receiver, reference, amount))
    location = click(checkout.redirect_url, "pay")
    return gw, settle(gw, query_of(location))


# -- paying ----------------------------------------------------------------------------------------


def test_pay_on_the_hosted_page_then_the_return_and_the_callback_verify_as_paid(double, receiver):
    gw = make_gateway(double)
    checkout = gw.start(payment_request(receiver))
    assert checkout.redirect_url == f"{double.url}/pay/{checkout.provider_ref}"
    with browser.open(checkout.redirect_url, timeout=5) as page:
        assert "25,50 €" in page.read().decode()

    location = click(checkout.redirect_url, "pay")

    assert location.startswith("http://localhost:8000/pay/return/paytrail/?p=1&checkout-account=375917")
    back = settle(gw, query_of(location))
    assert back == Notification(reference="pay-0001", provider_ref=checkout.provider_ref, status=PaymentStatus.PAID,
                                amount_minor=2550, currency="EUR",
                                event_id=f"payment:{checkout.provider_ref}:ok")
    [callback] = receiver.wait_for(1)
    assert settle(gw, callback) == back  # the callback is the same event: the caller handles it once


def test_the_create_request_is_exactly_what_the_documentation_asks_for(double, receiver):
    gw = make_gateway(double)
    checkout = gw.start(payment_request(receiver, language="pl"))

    body = double.payment("pay-0001").body
    assert body == {
        "stamp": "pay-0001", "reference": "pay-0001", "amount": 2550, "currency": "EUR", "language": "EN",
        "items": [{"unitPrice": 2550, "units": 1, "vatPercentage": 25.5, "productCode": "booking",
                   "description": "Hiustenleikkaus – Parturi Äänekoski"}],
        "customer": {"email": "payer@example.org"},
        "redirectUrls": {"success": "http://localhost:8000/pay/return/paytrail/?p=1",
                         "cancel": "http://localhost:8000/pay/cancel/paytrail/"},
        "callbackUrls": {"success": f"{receiver.url}/pay/notify/paytrail/",
                         "cancel": f"{receiver.url}/pay/notify/paytrail/"},
    }
    [(method, path, headers, raw)] = double.requests
    assert (method, path) == ("POST", "/payments")
    assert headers["checkout-account"] == "375917" and headers["checkout-method"] == "POST"
    assert headers["checkout-algorithm"] == "sha256" and headers["platform-name"] == "tilli"
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert "checkout-transaction-id" not in headers
    assert headers["signature"] == hmac_hex(TEST_SECRET, "sha256", headers, raw.decode())
    assert checkout.provider_ref == double.payment("pay-0001").transaction_id


def test_languages_map_to_paytrails_and_every_request_has_its_own_nonce(double, receiver):
    gw = make_gateway(double)
    for number, language in enumerate(("fi", "sv", "en", "pl")):
        gw.start(payment_request(receiver, reference=f"pay-{number}", language=language))
    assert [double.payment(f"pay-{n}").language for n in range(4)] == ["FI", "SV", "EN", "EN"]
    assert len({headers["checkout-nonce"] for _, _, headers, _ in double.requests}) == 4


def test_sha512_signs_requests_and_verifies_answers_and_returns(double, receiver):
    gw = make_gateway(double, algorithm="sha512")
    checkout = gw.start(payment_request(receiver))
    location = click(checkout.redirect_url, "pay")
    assert query_of(location)["checkout-algorithm"] == "sha512"
    assert settle(gw, query_of(location)).status == PaymentStatus.PAID


def test_cancel_on_the_hosted_page_returns_a_signed_fail(double, receiver):
    gw = make_gateway(double)
    checkout = gw.start(payment_request(receiver))
    location = click(checkout.redirect_url, "cancel")
    assert location.startswith("http://localhost:8000/pay/cancel/paytrail/?checkout-account=")
    back = settle(gw, query_of(location))
    assert (back.status, back.event_id) == (PaymentStatus.FAILED, f"payment:{checkout.provider_ref}:fail")
    assert settle(gw, receiver.wait_for(1)[0]).status == PaymentStatus.FAILED


def test_pending_and_delayed_are_pending(double, receiver):
    double.pay_status = "pending"
    gw = make_gateway(double)
    checkout = gw.start(payment_request(receiver))
    assert settle(gw, query_of(click(checkout.redirect_url, "pay"))).status == PaymentStatus.PENDING
    assert settle(gw, double.callback_params("pay-0001", "delayed")).status == PaymentStatus.PENDING


def test_the_amount_and_currency_come_from_the_server_only(double, receiver):
    gw = make_gateway(double)
    with pytest.raises(GatewayError) as error:
        gw.start(replace(payment_request(receiver), currency="PLN"))
    assert (error.value.code, error.value.retryable) == ("paytrail:currency", False)
    with pytest.raises(GatewayError):
        gw.start(payment_request(receiver, amount=0))
    assert double.requests == []


# -- what settle refuses ---------------------------------------------------------------------------


@pytest.mark.parametrize("name,value", [
    ("checkout-amount", "1"), ("checkout-status", "ok"), ("checkout-stamp", "pay-other"),
    ("checkout-transaction-id", "00000000-0000-0000-0000-000000000000"), ("signature", "0" * 64),
])
def test_a_tampered_return_is_refused(double, receiver, name, value):
    double.pay_status = "pending"
    gw, _ = paid(double, receiver)
    query = double.callback_params("pay-0001")
    assert query[name] != value
    with pytest.raises(SignatureRefused) as refused:
        settle(gw, {**query, name: value})
    assert refused.value.code == "paytrail:signature"


def test_a_return_signed_with_another_secret_or_account_is_refused(double, receiver):
    gw, _ = paid(double, receiver)
    query = double.callback_params("pay-0001")
    forged = {k: v for k, v in query.items() if k != "signature"}
    with pytest.raises(SignatureRefused):
        settle(gw, {**forged, "signature": hmac_hex("OTHER", "sha256", forged, "")})
    other_account = double.sign({**forged, "checkout-account": "695861"})
    with pytest.raises(SignatureRefused) as refused:
        settle(gw, other_account)
    assert refused.value.code == "paytrail:account"


def test_a_return_with_an_unknown_algorithm_missing_signature_or_post_is_refused(double, receiver):
    gw, _ = paid(double, receiver)
    query = double.callback_params("pay-0001")
    with pytest.raises(SignatureRefused):
        settle(gw, {**query, "checkout-algorithm": "md5"})
    with pytest.raises(SignatureRefused):
        settle(gw, {k: v for k, v in query.items() if k != "signature"})
    with pytest.raises(SignatureRefused) as refused:
        settle(gw, query, method="POST")
    assert refused.value.code == "paytrail:method"
    with pytest.raises(SignatureRefused):
        settle(gw, double.sign({**query, "checkout-status": "refunded"}))


def test_a_parameter_paytrail_adds_later_is_signed_too(double, receiver):
    gw, _ = paid(double, receiver)
    query = double.callback_params("pay-0001")
    with_new = double.sign({**query, "checkout-settlement-reference": "123"})
    assert settle(gw, with_new).status == PaymentStatus.PAID
    with pytest.raises(SignatureRefused):
        settle(gw, {**with_new, "checkout-settlement-reference": "456"})


# -- duplicates, replays, out of order -------------------------------------------------------------


def test_duplicate_callbacks_are_the_same_event_and_out_of_order_ones_are_other_events(double, receiver):
    gw, back = paid(double, receiver)
    receiver.wait_for(1)
    assert double.notify("pay-0001", duplicate=True) == [200, 200]
    queries = receiver.wait_for(3)
    events = [settle(gw, query) for query in queries]
    assert {event.event_id for event in events} == {back.event_id}

    double.notify("pay-0001", status="pending")  # a late "pending" after "ok"
    late = settle(gw, receiver.wait_for(4)[3])
    assert late.status == PaymentStatus.PENDING and late.event_id != back.event_id


def test_the_hosted_page_cannot_be_paid_twice(double, receiver):
    gw = make_gateway(double)
    checkout = gw.start(payment_request(receiver))
    click(checkout.redirect_url, "pay")
    request = urllib.request.Request(checkout.redirect_url + "/pay", data=b"", method="POST")
    with pytest.raises(urllib.error.HTTPError) as again:
        browser.open(request, timeout=5)
    assert again.value.code == 409


# -- failures --------------------------------------------------------------------------------------


def test_a_timeout_is_retryable(double, receiver):
    double.timeout_delay = 2.0
    double.fail_next("timeout")
    gw = make_gateway(double, timeout=0.3)
    with pytest.raises(GatewayError) as error:
        gw.start(payment_request(receiver))
    assert (error.value.code, error.value.retryable) == ("paytrail:timeout", True)


@pytest.mark.parametrize("status", ["500", "502", "503"])
def test_a_server_error_is_retryable(double, receiver, status):
    double.fail_next(status)
    with pytest.raises(GatewayError) as error:
        make_gateway(double).start(payment_request(receiver))
    assert (error.value.code, error.value.retryable) == (f"paytrail:http-{status}", True)


def test_a_reused_stamp_is_refused_by_paytrail_and_not_retryable(double, receiver):
    gw = make_gateway(double)
    gw.start(payment_request(receiver))
    with pytest.raises(GatewayError) as error:
        gw.start(payment_request(receiver, amount=3000))
    assert (error.value.code, error.value.retryable) == ("paytrail:http-400", False)
    assert double.errors == ["POST /payments: stamp has already been used"]
    double.errors.clear()


def test_a_wrong_secret_is_refused_with_401_and_not_retryable(double, receiver):
    with pytest.raises(GatewayError) as error:
        make_gateway(double, secret="WRONG").start(payment_request(receiver))
    assert (error.value.code, error.value.retryable) == ("paytrail:http-401", False)
    assert double.errors == ["POST /payments: HMAC signature does not match"]
    double.errors.clear()


@pytest.mark.parametrize("failure,code", [("bad-signature", "paytrail:answer-signature"),
                                          ("unsigned", "paytrail:answer-unsigned")])
def test_an_answer_that_does_not_verify_is_not_trusted(double, receiver, failure, code):
    double.fail_next(failure)
    with pytest.raises(GatewayError) as error:
        make_gateway(double).start(payment_request(receiver))
    assert (error.value.code, error.value.retryable) == (code, False)


def test_an_unreachable_paytrail_is_retryable(receiver):
    with PaytrailDouble() as gone:
        url = gone.url
    gw = PaytrailGateway(account=TEST_ACCOUNT, secret=TEST_SECRET, api_base=url, timeout=1.0)
    with pytest.raises(GatewayError) as error:
        gw.start(payment_request(receiver))
    assert (error.value.code, error.value.retryable) == ("paytrail:unreachable", True)


# -- the double refuses what Paytrail refuses (so a wrong client is caught) ------------------------


def raw_post(double: PaytrailDouble, body: str, *, timestamp: str | None = None, nonce: str = "n-1",
             secret: str = TEST_SECRET, content_type: str = "application/json; charset=utf-8") -> int:
    headers = {
        "checkout-account": TEST_ACCOUNT, "checkout-algorithm": "sha256", "checkout-method": "POST",
        "checkout-nonce": nonce,
        "checkout-timestamp": timestamp or datetime.now(UTC).isoformat(timespec="milliseconds"),
    }
    headers["signature"] = hmac_hex(secret, "sha256", headers, body)
    request = urllib.request.Request(f"{double.url}/payments", data=body.encode(), method="POST",
                                     headers={**headers, "content-type": content_type})
    try:
        with browser.open(request, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        assert error.headers.get_content_type() == "application/json"
        assert b'"status": "error"' in error.read()
        return error.code


VALID = ('{"stamp":"s-1","reference":"r","amount":1000,"currency":"EUR","language":"FI",'
         '"items":[{"unitPrice":1000,"units":1,"vatPercentage":14,"productCode":"x"}],'
         '"customer":{"email":"a@example.org"},'
         '"redirectUrls":{"success":"https://example.org/s","cancel":"https://example.org/c"}}')


@pytest.mark.parametrize("change,status,error", [
    ({}, 201, None),
    ({"timestamp": (datetime.now(UTC) - timedelta(minutes=10)).isoformat()}, 401, "checkout-timestamp is stale"),
    ({"secret": "OTHER"}, 401, "HMAC signature does not match"),
    ({"content_type": "application/json"}, 400, "content-type must be application/json; charset=utf-8"),
    ({"body": VALID.replace('"amount":1000', '"amount":10.0')}, 400,
     "amount must be an integer of cents between 1 and 99999998"),
    ({"body": VALID.replace('"amount":1000', '"amount":999')}, 400, "amount does not match the total of the items"),
    ({"body": VALID.replace('"EUR"', '"PLN"')}, 400, "currency must be EUR"),
    ({"body": VALID.replace('"FI"', '"PL"')}, 400, "language must be FI, SV or EN"),
    ({"body": VALID.replace("14", "25.55")}, 400, "items.vatPercentage must be 0 to 100 with at most one decimal"),
    ({"body": VALID.replace("https://example.org/s", "http://example.org/s")}, 400,
     "redirectUrls.success must use HTTPS"),
    ({"body": VALID.replace('"customer"', '"callbackUrl":"https://example.org/n","customer"')}, 400,
     "unknown field(s): callbackUrl"),
])
def test_the_double_checks_requests_as_documented(double, change, status, error):
    options = dict(change)
    body = options.pop("body", VALID)
    assert raw_post(double, body, **options) == status
    assert double.errors == ([f"POST /payments: {error}"] if error else [])
    double.errors.clear()


def test_the_double_refuses_a_reused_nonce(double):
    assert raw_post(double, VALID, nonce="same") == 201
    assert raw_post(double, VALID.replace("s-1", "s-2"), nonce="same") == 401
    assert double.errors == ["POST /payments: checkout-nonce already used"]
    double.errors.clear()


# -- refunds ---------------------------------------------------------------------------------------


def test_a_full_refund_is_done_once_and_its_callback_verifies_as_a_refund(double, receiver):
    gw, payment = paid(double, receiver)
    result = gw.refund(payment=payment, amount_minor=2550, reference="ref-0001",
                       notify_url=f"{receiver.url}/pay/notify/paytrail/")
    assert result.status == PaymentStatus.REFUNDED and result.provider_ref
    assert double.refunds_of("pay-0001") == [2550]
    [refund] = double.refunds
    assert refund.body == {"amount": 2550, "refundStamp": "ref-0001", "refundReference": "ref-0001",
                           "callbackUrls": {"success": f"{receiver.url}/pay/notify/paytrail/?tilli-refund=ref-0001",
                                            "cancel": f"{receiver.url}/pay/notify/paytrail/?tilli-refund=ref-0001"}}
    _, path, headers, _ = double.requests[-1]
    assert path == f"/payments/{payment.provider_ref}/refund"
    assert headers["checkout-transaction-id"] == payment.provider_ref

    callback = receiver.wait_for(2)[1]  # the payment's callback, then the refund's
    notice = settle(gw, callback)
    assert notice == Notification(reference="ref-0001", provider_ref=result.provider_ref,
                                  status=PaymentStatus.REFUNDED, amount_minor=2550, currency="EUR",
                                  event_id=f"refund:{result.provider_ref}:ok", is_refund=True)
    assert notice.event_id != payment.event_id


def test_partial_refunds_add_up_to_the_payment_and_no_further(double, receiver):
    gw, payment = paid(double, receiver)
    double.refund_callback_delay = None
    notify = f"{receiver.url}/pay/notify/paytrail/"
    assert gw.refund(payment=payment, amount_minor=1000, reference="ref-1", notify_url=notify).status \
        == PaymentStatus.REFUNDED
    assert gw.refund(payment=payment, amount_minor=1550, reference="ref-2", notify_url=notify).status \
        == PaymentStatus.REFUNDED
    with pytest.raises(GatewayError) as error:
        gw.refund(payment=payment, amount_minor=1, reference="ref-3", notify_url=notify)
    assert (error.value.code, error.value.retryable) == ("paytrail:http-400", False)
    assert double.refunds_of("pay-0001") == [1000, 1550]
    assert double.errors == ["POST /payments/{id}/refund: refund amount exceeds what is left of the payment"]
    double.errors.clear()


def test_a_refund_stamp_cannot_refund_twice(double, receiver):
    gw, payment = paid(double, receiver)
    double.refund_callback_delay = None
    notify = f"{receiver.url}/pay/notify/paytrail/"
    gw.refund(payment=payment, amount_minor=500, reference="ref-1", notify_url=notify)
    with pytest.raises(GatewayError) as error:
        gw.refund(payment=payment, amount_minor=500, reference="ref-1", notify_url=notify)
    assert (error.value.code, error.value.retryable) == ("paytrail:http-400", False)
    assert double.refunds_of("pay-0001") == [500]
    assert double.errors == ["POST /payments/{id}/refund: refundStamp has already been used"]
    double.errors.clear()


def test_a_pending_refund_completes_by_its_callback(double, receiver):
    gw, payment = paid(double, receiver)
    double.refund_status = "pending"
    double.refund_callback_delay = None
    notify = f"{receiver.url}/pay/notify/paytrail/"
    assert gw.refund(payment=payment, amount_minor=2550, reference="ref-1", notify_url=notify).status \
        == PaymentStatus.PENDING
    assert double.notify_refund("ref-1", status="ok") == [200]
    assert settle(gw, receiver.wait_for(2)[1]).status == PaymentStatus.REFUNDED
    double.notify_refund("ref-1", status="fail")
    assert settle(gw, receiver.wait_for(3)[2]).status == PaymentStatus.REFUND_FAILED


def test_the_unsigned_refund_marker_cannot_turn_a_payment_callback_into_a_refund(double, receiver):
    gw, _ = paid(double, receiver)
    query = double.callback_params("pay-0001")
    with pytest.raises(SignatureRefused) as refused:
        settle(gw, {**query, "tilli-refund": "ref-0001"})
    assert refused.value.code == "paytrail:refund-marker"


def test_refunding_more_than_was_paid_is_refused_before_asking(double, receiver):
    gw, payment = paid(double, receiver)
    count = len(double.requests)
    with pytest.raises(GatewayError):
        gw.refund(payment=payment, amount_minor=2551, reference="ref-1", notify_url=receiver.url)
    assert len(double.requests) == count


# -- settings --------------------------------------------------------------------------------------


def test_the_gateway_comes_from_the_doubles_settings(double, receiver):
    with override_settings(**double.settings(), PAYMENT_GATEWAY_TIMEOUT=3):
        gw = gateway("paytrail")
    assert isinstance(gw, PaytrailGateway)
    assert (gw.account, gw.secret, gw.api_base, gw.timeout) == (TEST_ACCOUNT, TEST_SECRET, double.url, 3)
    assert gw.start(payment_request(receiver)).provider_ref


@pytest.mark.parametrize("missing", ["PAYTRAIL_ACCOUNT", "PAYTRAIL_SECRET", "PAYTRAIL_API_BASE"])
def test_a_missing_setting_fails_loudly(double, missing):
    values = {**double.settings(), missing: ""}
    with override_settings(**values), pytest.raises(ImproperlyConfigured, match=missing):
        gateway("paytrail")


def test_an_absent_setting_fails_loudly(double):
    values = double.settings()
    with override_settings(**values):
        del settings.PAYTRAIL_SECRET
        with pytest.raises(ImproperlyConfigured, match="PAYTRAIL_SECRET"):
            gateway("paytrail")


def test_a_bad_algorithm_or_vat_fails_loudly():
    with pytest.raises(ImproperlyConfigured):
        PaytrailGateway(account="1", secret="s", api_base="https://x", timeout=1, algorithm="md5")
    with pytest.raises(ImproperlyConfigured):
        PaytrailGateway(account="1", secret="s", api_base="https://x", timeout=1, vat_percentage=Decimal("25.55"))
