"""The Stripe gateway against the local Stripe double (billing/gateways/doubles/stripe.py): real HTTP both ways.

The double checks every API call as Stripe documents it (its `errors` must stay empty), serves the hosted Checkout
page, and posts signed webhooks to a small local endpoint that calls `settle` like the notify view does.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from billing.gateways import gateway
from billing.gateways.base import (
    GatewayError,
    Notification,
    PaymentGateway,
    PaymentRequest,
    PaymentStatus,
    SignatureRefused,
)
from billing.gateways.doubles.stripe import StripeDouble
from billing.gateways.stripe import StripeGateway, refund_key


@dataclass
class Endpoint:
    """Tilli's webhook endpoint in miniature: settle() each delivery, 400 when the signature is refused."""

    url: str = ""
    notifications: list[Notification] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    gateway: PaymentGateway | None = None


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    state = Endpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            status = 200
            try:
                assert state.gateway is not None
                state.notifications.append(state.gateway.settle(method="POST", query={}, headers=headers, body=body))
            except SignatureRefused as refused:
                state.refused.append(refused.code)
                status = 400
            except GatewayError as error:
                state.refused.append(error.code)
                status = 503 if error.retryable else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/pay/notify/stripe/"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def double(endpoint: Endpoint) -> Iterator[StripeDouble]:
    with StripeDouble(webhook_url=endpoint.url, timeout_delay=2.5) as stripe_double, \
            override_settings(**stripe_double.settings(), PAYMENT_GATEWAY_TIMEOUT=1):
        endpoint.gateway = gateway("stripe")
        yield stripe_double


@pytest.fixture
def stripe(double: StripeDouble, endpoint: Endpoint) -> PaymentGateway:
    assert endpoint.gateway is not None
    return endpoint.gateway


def payment(reference: str = "pay-0001", amount: int = 2550, **changes: Any) -> PaymentRequest:
    request = PaymentRequest(reference=reference, amount_minor=amount, currency="EUR",
                             description="Haircut, Salon Tilli", email="payer@example.com", language="fi",
                             country="FI", return_url="https://tilli.example/pay/return/stripe/?p=1",
                             cancel_url="https://tilli.example/pay/cancel/", notify_url="https://ignored.example/")
    return replace(request, **changes)


def browser(url: str, *, method: str = "GET", form: dict[str, str] | None = None) -> tuple[int, str, str]:
    """One request without following redirects: (status, body, Location)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    body = urllib.parse.urlencode(form).encode() if form is not None else None
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=headers)
    response = connection.getresponse()
    result = response.status, response.read().decode(), response.getheader("Location") or ""
    connection.close()
    return result


def pay(redirect_url: str) -> str:
    """GET the hosted page, press Pay; the Location Stripe sends the browser back to."""
    status, page, _ = browser(redirect_url)
    assert status == 200 and 'id="pay"' in page and 'id="cancel"' in page
    status, _, location = browser(redirect_url, method="POST", form={"action": "pay"})
    assert status == 303
    return location


def paid(stripe: PaymentGateway, endpoint: Endpoint, reference: str = "pay-0001", amount: int = 2550) -> Notification:
    checkout = stripe.start(payment(reference, amount))
    pay(checkout.redirect_url)
    return endpoint.notifications[-1]


# -- paying ------------------------------------------------------------------------------------------------------


def test_customer_pays_on_the_hosted_page_and_the_signed_webhook_settles_paid(stripe, double, endpoint):
    checkout = stripe.start(payment())

    assert checkout.provider_ref.startswith("cs_test_")
    assert checkout.redirect_url == f"{double.url}/c/pay/{checkout.provider_ref}"
    _, page, _ = browser(checkout.redirect_url)
    assert "25.50 EUR" in page and "Haircut, Salon Tilli" in page
    location = pay(checkout.redirect_url)

    back = urllib.parse.urlsplit(location)
    assert f"{back.scheme}://{back.netloc}{back.path}" == "https://tilli.example/pay/return/stripe/"
    assert urllib.parse.parse_qs(back.query) == {"p": ["1"], "session_id": [checkout.provider_ref]}
    [notification] = endpoint.notifications
    assert notification.status == PaymentStatus.PAID
    assert (notification.reference, notification.amount_minor, notification.currency) == ("pay-0001", 2550, "EUR")
    assert notification.provider_ref.startswith("pi_") and notification.event_id.startswith("evt_")
    assert not notification.is_refund
    assert double.errors == []


def test_checkout_session_is_created_with_the_documented_fields_and_our_reference_as_idempotency_key(stripe, double):
    stripe.start(payment())

    [call] = double.requests
    assert call["path"] == "/v1/checkout/sessions"
    assert call["headers"]["authorization"] == f"Bearer {double.secret_key}"
    assert call["headers"]["idempotency-key"] == "pay-0001"
    assert call["headers"]["content-type"].startswith("application/x-www-form-urlencoded")
    assert call["headers"]["stripe-version"]
    params = call["params"]
    assert params["mode"] == "payment" and params["locale"] == "fi"
    assert params["client_reference_id"] == "pay-0001" and params["metadata"] == {"reference": "pay-0001"}
    assert params["payment_intent_data"] == {"metadata": {"reference": "pay-0001"}}
    assert params["customer_email"] == "payer@example.com"
    assert params["line_items"] == [{"quantity": "1", "price_data": {
        "currency": "eur", "unit_amount": "2550", "product_data": {"name": "Haircut, Salon Tilli"}}}]
    assert params["success_url"] == "https://tilli.example/pay/return/stripe/?p=1&session_id={CHECKOUT_SESSION_ID}"
    assert double.errors == []


def test_the_customers_return_is_verified_by_retrieving_the_session(stripe, double, endpoint):
    checkout = stripe.start(payment())
    unpaid = stripe.settle(method="GET", query={"session_id": checkout.provider_ref}, headers={}, body=b"")
    assert unpaid.status == PaymentStatus.PENDING
    pay(checkout.redirect_url)

    back = stripe.settle(method="GET", query={"session_id": checkout.provider_ref}, headers={}, body=b"")

    assert (back.status, back.reference, back.amount_minor, back.currency) == (PaymentStatus.PAID, "pay-0001", 2550,
                                                                               "EUR")
    assert back.provider_ref == endpoint.notifications[0].provider_ref
    with pytest.raises(SignatureRefused):
        stripe.settle(method="GET", query={"session_id": "../v1/customers"}, headers={}, body=b"")
    with pytest.raises(GatewayError) as missing:
        stripe.settle(method="GET", query={"session_id": "cs_test_unknown"}, headers={}, body=b"")
    assert missing.value.code == "stripe:http-404:resource_missing" and not missing.value.retryable


def test_cancel_returns_to_the_cancel_url_and_notifies_nothing(stripe, double, endpoint):
    checkout = stripe.start(payment())

    status, _, location = browser(checkout.redirect_url, method="POST", form={"action": "cancel"})

    assert (status, location) == (303, "https://tilli.example/pay/cancel/")
    assert endpoint.notifications == [] and double.deliveries == []


def test_an_expired_session_settles_failed(stripe, double, endpoint):
    stripe.start(payment())

    assert double.expire("pay-0001") == 200

    [notification] = endpoint.notifications
    assert (notification.status, notification.reference) == (PaymentStatus.FAILED, "pay-0001")


# -- webhook signatures ------------------------------------------------------------------------------------------


def test_tampered_amount_wrong_secret_missing_header_and_stale_timestamp_are_refused(stripe, double, endpoint):
    stripe.start(payment())
    event = double.session_event("pay-0001", "checkout.session.completed")
    body, _ = double.signed(event)
    tampered = body.replace(b'"amount_total": 2550', b'"amount_total": 1')
    assert tampered != body

    assert double.send_event(event, body=tampered) == 400
    assert double.send_event(event, secret="whsec_not_the_endpoints") == 400
    assert double.send_event(event, timestamp=int(time.time()) - 301) == 400
    with pytest.raises(SignatureRefused):
        stripe.settle(method="POST", query={}, headers={}, body=body)
    with pytest.raises(SignatureRefused):
        stripe.settle(method="POST", query={}, headers={"stripe-signature": "t=1,v2=abc"}, body=body)
    assert endpoint.refused == ["stripe:signature"] * 3 and endpoint.notifications == []

    assert double.send_event(event, timestamp=int(time.time()) - 250) == 200  # inside the 300 s tolerance
    assert endpoint.notifications[0].amount_minor == 2550


def test_duplicates_keep_their_event_id_and_out_of_order_events_each_settle_alone(stripe, double, endpoint):
    checkout = stripe.start(payment())
    double.complete(checkout.provider_ref)

    assert double.notify("pay-0001", duplicate=True) == [200, 200]
    first, second, third = endpoint.notifications
    assert first.event_id == second.event_id == third.event_id  # the caller refuses the replays by event id

    expired = double.event("checkout.session.expired", double.sessions[checkout.provider_ref] | {"status": "expired"})
    assert double.send_event(expired) == 200  # arrives late, after the completion: settle only reports it
    late = endpoint.notifications[-1]
    assert late.status == PaymentStatus.FAILED and late.event_id == expired["id"] != first.event_id


def test_an_asynchronous_payment_is_pending_until_stripe_says_it_succeeded_or_failed(stripe, double, endpoint):
    checkout = stripe.start(payment())
    session = double.sessions[checkout.provider_ref] | {"status": "complete", "payment_status": "unpaid",
                                                       "payment_intent": "pi_async"}

    for kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded",
                 "checkout.session.async_payment_failed"):
        paid_now = session | ({"payment_status": "paid"} if kind.endswith("succeeded") else {})
        assert double.send_event(double.event(kind, paid_now)) == 200

    assert [(n.status, n.provider_ref, n.amount_minor) for n in endpoint.notifications] == [
        (PaymentStatus.PENDING, "pi_async", 2550), (PaymentStatus.PAID, "pi_async", 2550),
        (PaymentStatus.FAILED, "pi_async", 2550)]


def test_an_event_tilli_does_not_handle_is_acknowledged_not_settled(stripe, double, endpoint):
    event = double.event("customer.created", {"id": "cus_x", "object": "customer"})

    assert double.send_event(event) == 200

    assert endpoint.refused == ["stripe:event-ignored"] and endpoint.notifications == []


# -- failures ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("failure", "code"), [
    ("timeout", "stripe:timeout"), ("connection", "stripe:connection"), ("500", "stripe:http-500"),
    ("503", "stripe:http-503"), ("429", "stripe:http-429"),
])
def test_timeouts_lost_connections_5xx_and_rate_limits_are_retryable(stripe, double, failure, code):
    double.fail_next(failure)

    with pytest.raises(GatewayError) as error:
        stripe.start(payment())

    assert (error.value.code, error.value.retryable) == (code, True)
    assert double.errors == []


def test_a_retry_after_a_timeout_gets_the_session_stripe_already_created(stripe, double):
    double.fail_next("timeout")
    with pytest.raises(GatewayError):
        stripe.start(payment())
    time.sleep(2)  # the double finishes the first request

    checkout = stripe.start(payment())

    assert list(double.sessions) == [checkout.provider_ref]


def test_a_4xx_with_stripes_error_is_not_retryable(stripe, double):
    double.fail_next("400")

    with pytest.raises(GatewayError) as error:
        stripe.start(payment())

    assert (error.value.code, error.value.retryable) == ("stripe:http-400:parameter_invalid_empty", False)


def test_a_wrong_api_key_is_refused_with_401(double):
    wrong = StripeGateway(secret_key="sk_test_wrong", webhook_secret="whsec_x", api_base=double.url, timeout=2)

    with pytest.raises(GatewayError) as error:
        wrong.start(payment())

    assert (error.value.code, error.value.retryable) == ("stripe:http-401", False)
    assert double.errors == ["/v1/checkout/sessions: authorization"]


def test_the_double_refuses_what_stripe_refuses(stripe, double):
    client = stripe.client  # the SDK straight, to send what our gateway never sends
    base = {"mode": "payment", "success_url": "https://tilli.example/ok"}
    bad = [
        {"line_items": [{"quantity": 1, "price_data": {"currency": "EUR", "unit_amount": 2550,
                                                       "product_data": {"name": "x"}}}]},
        {"line_items": [{"quantity": 1, "price_data": {"currency": "eur", "unit_amount": "25.50",
                                                       "product_data": {"name": "x"}}}]},
        {"line_items": [{"quantity": 1, "price_data": {"currency": "eur", "unit_amount": 2550}}]},
        {"notify_url": "https://tilli.example/notify"},
    ]
    for index, extra in enumerate(bad):
        with pytest.raises(Exception) as error:
            client.v1.checkout.sessions.create(params=base | extra, options={"idempotency_key": f"bad-{index}"})
        assert error.value.http_status == 400
    assert [entry.split(": ")[1] for entry in double.errors] == [
        "parameter_invalid currency",
        "parameter_invalid_integer unit_amount",
        "parameter_missing line_items[0][price_data][product_data][name]",
        "parameter_unknown notify_url",
    ]


# -- idempotency -------------------------------------------------------------------------------------------------


def test_the_same_reference_twice_replays_the_same_session(stripe, double):
    first = stripe.start(payment())
    again = stripe.start(payment())

    assert first == again and len(double.sessions) == 1


def test_the_same_reference_with_another_amount_is_stripes_idempotency_error(stripe, double):
    stripe.start(payment())

    with pytest.raises(GatewayError) as error:
        stripe.start(payment(amount=9900))

    assert (error.value.code, error.value.retryable) == ("stripe:idempotency:http-400", False)
    assert double.errors == ["/v1/checkout/sessions: idempotency key reused with other parameters"]
    assert len(double.sessions) == 1


# -- refunds -----------------------------------------------------------------------------------------------------


def test_partial_then_full_refund_of_the_payment_intent(stripe, double, endpoint):
    payment_notification = paid(stripe, endpoint)

    partial = stripe.refund(payment=payment_notification, amount_minor=1000, reference="ref-1", notify_url="")
    rest = stripe.refund(payment=payment_notification, amount_minor=1550, reference="ref-2", notify_url="")
    again = stripe.refund(payment=payment_notification, amount_minor=1000, reference="ref-1", notify_url="")

    assert partial.status == rest.status == PaymentStatus.REFUNDED and again == partial
    refunds = double.refunds_for(payment_notification.provider_ref)
    assert [(r["amount"], r["metadata"]) for r in refunds] == [(1000, {"reference": "ref-1"}),
                                                               (1550, {"reference": "ref-2"})]
    assert [c["headers"]["idempotency-key"] for c in double.requests if c["path"] == "/v1/refunds"] == [
        "ref-1", "ref-2", "ref-1"]
    with pytest.raises(GatewayError) as error:
        stripe.refund(payment=payment_notification, amount_minor=1, reference="ref-3", notify_url="")
    assert error.value.code == "stripe:http-400:charge_already_refunded"
    double.wait_deliveries()
    refund_notes = sorted((n.reference, n.amount_minor, n.status, n.currency) for n in endpoint.notifications
                          if n.is_refund)
    assert refund_notes == [("ref-1", 1000, PaymentStatus.REFUNDED, "EUR"), ("ref-2", 1550, PaymentStatus.REFUNDED,
                                                                              "EUR")]
    assert double.errors == []


def test_a_refund_above_what_is_left_is_refused(stripe, double, endpoint):
    payment_notification = paid(stripe, endpoint)

    with pytest.raises(GatewayError) as error:
        stripe.refund(payment=payment_notification, amount_minor=2551, reference="ref-1", notify_url="")

    assert (error.value.code, error.value.retryable) == ("stripe:http-400:amount_too_large", False)


def test_a_pending_refund_settles_with_refund_updated(stripe, double, endpoint):
    payment_notification = paid(stripe, endpoint)
    double.fail_next("refund_pending")

    result = stripe.refund(payment=payment_notification, amount_minor=2550, reference="ref-1", notify_url="")
    assert result.status == PaymentStatus.PENDING
    double.wait_deliveries()

    assert double.finish_refund(result.provider_ref) == 200
    assert [(n.status, n.reference) for n in endpoint.notifications if n.is_refund] == [
        (PaymentStatus.PENDING, "ref-1"), (PaymentStatus.REFUNDED, "ref-1")]


def _refund_calls(double: StripeDouble) -> list[tuple[str, str]]:
    """(method, idempotency key or the listed PaymentIntent) of each call to /v1/refunds, in order."""
    return [(c["method"], c["headers"].get("idempotency-key") or c["params"].get("payment_intent", ""))
            for c in double.requests if c["path"] == "/v1/refunds"]


def test_a_refund_stripe_made_before_answering_500_is_found_by_our_reference_and_never_made_twice(
        stripe, double, endpoint):
    payment_notification = paid(stripe, endpoint)
    pi = payment_notification.provider_ref
    double.fail_next("500-done")  # Stripe refunds, then fails: the outcome is unknown to us

    result = stripe.refund(payment=payment_notification, amount_minor=2550, reference="ref-1", notify_url="")

    made = double.refunds_for(pi)
    assert len(made) == 1 and (result.provider_ref, result.status) == (made[0]["id"], PaymentStatus.REFUNDED)
    assert _refund_calls(double) == [("POST", "ref-1"), ("GET", pi)]  # looked up, not asked again
    again = stripe.refund(payment=payment_notification, amount_minor=2550, reference="ref-1", notify_url="")
    assert again == result and len(double.refunds_for(pi)) == 1  # the worker's retry: Stripe replays the 500
    assert _refund_calls(double)[2:] == [("POST", "ref-1"), ("GET", pi)]
    assert double.errors == []


def test_a_refund_stripe_did_not_make_after_a_500_is_asked_again_under_a_new_key(stripe, double, endpoint):
    payment_notification = paid(stripe, endpoint)
    pi = payment_notification.provider_ref
    double.fail_next("500")  # nothing done, and the 500 is saved under "ref-1"

    result = stripe.refund(payment=payment_notification, amount_minor=1000, reference="ref-1", notify_url="")

    made = double.refunds_for(pi)
    assert [(r["amount"], r["metadata"]) for r in made] == [(1000, {"reference": "ref-1"})]
    assert (result.provider_ref, result.status) == (made[0]["id"], PaymentStatus.REFUNDED)
    assert _refund_calls(double) == [("POST", "ref-1"), ("GET", pi), ("POST", refund_key("ref-1", 1))]
    assert refund_key("ref-1", 1) == "ref-1-retry-1" and refund_key("ref-1", 0) == "ref-1"
    again = stripe.refund(payment=payment_notification, amount_minor=1000, reference="ref-1", notify_url="")
    assert again == result and len(double.refunds_for(pi)) == 1
    assert double.errors == []


def test_while_stripe_keeps_failing_the_worker_retries_and_each_retry_walks_the_saved_keys_first(
        stripe, double, endpoint):
    payment_notification = paid(stripe, endpoint)
    pi = payment_notification.provider_ref
    double.fail_next("500")
    double.fail_next("500")  # the new key fails too: retryable, for the worker's next attempt

    with pytest.raises(GatewayError) as error:
        stripe.refund(payment=payment_notification, amount_minor=2550, reference="ref-1", notify_url="")
    assert (error.value.code, error.value.retryable) == ("stripe:http-500", True)
    assert double.refunds_for(pi) == []
    assert _refund_calls(double) == [("POST", "ref-1"), ("GET", pi), ("POST", "ref-1-retry-1"), ("GET", pi)]

    result = stripe.refund(payment=payment_notification, amount_minor=2550, reference="ref-1", notify_url="")

    assert _refund_calls(double)[4:] == [("POST", "ref-1"), ("GET", pi), ("POST", "ref-1-retry-1"), ("GET", pi),
                                         ("POST", "ref-1-retry-2")]  # replayed 500s cost nothing; one new key
    made = double.refunds_for(pi)
    assert len(made) == 1 and result.provider_ref == made[0]["id"]
    stripe.refund(payment=payment_notification, amount_minor=2550, reference="ref-1", notify_url="")
    assert len(double.refunds_for(pi)) == 1
    assert double.errors == []


def test_the_lookup_lists_the_payment_intents_refunds_newest_first_with_their_metadata(stripe, double, endpoint,
                                                                                       monkeypatch):
    first = paid(stripe, endpoint, "pay-0001")
    other = paid(stripe, endpoint, "pay-0002")
    stripe.refund(payment=first, amount_minor=500, reference="ref-a", notify_url="")
    stripe.refund(payment=other, amount_minor=500, reference="ref-b", notify_url="")
    stripe.refund(payment=first, amount_minor=700, reference="ref-c", notify_url="")

    assert stripe._refund_made(first.provider_ref, "ref-c").amount == 700
    assert stripe._refund_made(first.provider_ref, "ref-a").amount == 500
    assert stripe._refund_made(first.provider_ref, "ref-b") is None  # another payment's refund
    monkeypatch.setattr("billing.gateways.stripe.REFUND_LIST_PAGE", 1)
    assert stripe._refund_made(first.provider_ref, "ref-a").amount == 500  # found on the second page
    assert [c["params"] for c in double.requests if c["method"] == "GET"][-2:] == [
        {"payment_intent": first.provider_ref, "limit": "1"},
        {"payment_intent": first.provider_ref, "limit": "1", "starting_after": double.refunds_for(
            first.provider_ref)[1]["id"]}]
    status, _body, _ = browser(f"{double.url}/v1/refunds?payment_intent={first.provider_ref}&limit=1")
    assert status == 401  # the list needs our key, like every API call
    double.errors.clear()


# -- a card on file ----------------------------------------------------------------------------------------------


def saved_card(stripe: PaymentGateway, endpoint: Endpoint) -> Notification:
    checkout = stripe.start_card_setup(payment("card-0001", 0))
    pay(checkout.redirect_url)
    return endpoint.notifications[-1]


def test_a_card_saved_in_setup_mode_is_charged_off_session(stripe, double, endpoint):
    card = saved_card(stripe, endpoint)

    assert card.provider_ref.startswith("pm_") and card.customer_ref.startswith("cus_")
    assert card.status == PaymentStatus.PAID and card.reference == "card-0001"
    charge = stripe.charge_card(customer_ref=card.customer_ref, payment_method_ref=card.provider_ref,
                                amount_minor=3000, currency="EUR", reference="fee-0001", description="No-show fee")

    assert (charge.status, charge.amount_minor, charge.currency, charge.reference) == (PaymentStatus.PAID, 3000,
                                                                                       "EUR", "fee-0001")
    assert charge.provider_ref.startswith("pi_")
    keys = [(c["path"], c["headers"]["idempotency-key"]) for c in double.requests if c["method"] == "POST"]
    assert keys == [("/v1/customers", "card-0001-customer"), ("/v1/checkout/sessions", "card-0001"),
                    ("/v1/payment_intents", "fee-0001")]
    assert double.errors == []


@pytest.mark.parametrize("decline", ["authentication_required", "card_declined"])
def test_an_off_session_decline_is_a_failed_charge(stripe, double, endpoint, decline):
    card = saved_card(stripe, endpoint)
    double.fail_next(decline)

    charge = stripe.charge_card(customer_ref=card.customer_ref, payment_method_ref=card.provider_ref,
                                amount_minor=3000, currency="EUR", reference="fee-0001", description="No-show fee")

    assert (charge.status, charge.reference) == (PaymentStatus.FAILED, "fee-0001")
    assert charge.provider_ref.startswith("pi_") and charge.event_id.endswith(decline)
    assert double.errors == []


# -- settings ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE"])
def test_a_missing_setting_fails_loudly(missing):
    values = {"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x",
              "STRIPE_API_BASE": "https://api.stripe.com"}
    with override_settings(PAYMENT_GATEWAYS=["stripe"], PAYMENTS_LIVE=False, **(values | {missing: ""})), \
            pytest.raises(ImproperlyConfigured, match=missing):
        gateway("stripe")


def test_a_test_key_in_live_mode_fails_loudly():
    with override_settings(PAYMENT_GATEWAYS=["stripe"], PAYMENTS_LIVE=True, STRIPE_SECRET_KEY="sk_test_x",
                           STRIPE_WEBHOOK_SECRET="whsec_x", STRIPE_API_BASE="https://api.stripe.com"), \
            pytest.raises(ImproperlyConfigured, match="PAYMENTS_LIVE"):
        gateway("stripe")


def test_the_double_posts_events_to_the_url_set_after_construction(endpoint):
    with StripeDouble() as later:
        later.webhook_url = endpoint.url
        with override_settings(**later.settings()):
            endpoint.gateway = gateway("stripe")
            checkout = endpoint.gateway.start(payment())
            pay(checkout.redirect_url)
    assert [n.reference for n in endpoint.notifications] == ["pay-0001"]


def test_the_sdk_logs_no_request_path_because_paths_carry_payment_references(stripe, double, endpoint, caplog):
    """The settings keep the SDK's logger at WARNING: at INFO it logs every request's path (a session id, a
    PaymentIntent id), which the registry counts as personal data."""
    with caplog.at_level(logging.INFO):
        checkout = stripe.start(payment())
        stripe.settle(method="GET", query={"session_id": checkout.provider_ref}, headers={}, body=b"")
    assert checkout.provider_ref.startswith("cs_")
    assert not [record for record in caplog.records if checkout.provider_ref in record.getMessage()]
    assert not [record for record in caplog.records if record.name.startswith("stripe")]
