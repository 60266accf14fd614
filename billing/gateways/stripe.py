"""Stripe (https://docs.stripe.com/api) through the official `stripe` SDK: Checkout Sessions, webhooks, refunds,
and a card on file (Checkout in setup mode, then an off-session PaymentIntent for a no-show fee).

- `start` creates a Checkout Session (mode=payment) with our reference as its Idempotency-Key, client_reference_id
  and metadata; the customer pays on Stripe's hosted page (`session.url`).
- Stripe has no per-payment notification URL: events go to the webhook endpoint configured in the Dashboard
  (Developers > Webhooks, pointing at /pay/notify/stripe/), signed with the endpoint's `whsec_` secret in
  `Stripe-Signature` (t=<timestamp>,v1=<HMAC-SHA256 of "<timestamp>.<raw body>">). `settle` verifies it with the
  SDK (tolerance 300 s) and reads checkout.session.completed / async_payment_succeeded / async_payment_failed /
  expired and refund.created / refund.updated / refund.failed / charge.refunded.
- The customer's return (success_url carries `session_id={CHECKOUT_SESSION_ID}`) is verified by retrieving the
  session with our secret key: the browser's query is only a pointer, never trusted for amount or status.
- A payment's `Notification.provider_ref` is its PaymentIntent id (pi_...), so `refund` refunds it directly.
- Off-session declines (`authentication_required`, `card_declined`, any 402 card_error) are a FAILED Notification,
  not an exception: retrying the same charge cannot help, the customer has to be asked.
- A refund whose create answers 5xx has an unknown outcome, and Stripe replays that 5xx for the same Idempotency-Key
  (https://docs.stripe.com/error-low-level#server-errors). So `refund` looks the refund up (Refunds › List for the
  PaymentIntent, matched by our `metadata[reference]`) and settles from it when Stripe made it; only when it is
  not there does it try again under a new key derived from ours and the attempt (`refund_key`).

Error codes: "stripe:timeout", "stripe:connection", "stripe:http-<status>[:<stripe code>]", "stripe:idempotency",
"stripe:signature", "stripe:event-ignored", "stripe:refund-keys-exhausted"; never a message from Stripe (it may
quote the payer's data).
"""

from __future__ import annotations

import json
import re
from typing import Any

import requests
import stripe as stripe_sdk
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

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

WEBHOOK_TOLERANCE = 300  # seconds; Stripe's documented default
# Refund keys after a 5xx: how many new ones one call may try (a key whose 5xx is replayed was tried by an earlier
# call and costs nothing), and how many keys a refund may ever use. The worker's retries (10, over about 8.5 hours)
# end well inside Stripe's 24 hours of keeping a key, so an earlier key is never executed afresh.
REFUND_FRESH_ATTEMPTS = 2
REFUND_MAX_KEYS = 24
REFUND_LIST_PAGE = 100  # Stripe's largest page
CHECKOUT_LOCALES = {"fi", "sv", "pl", "en"}  # all four are Checkout locales; anything else is "auto"
SESSION_ID_PARAMETER = "session_id={CHECKOUT_SESSION_ID}"  # Stripe fills the template in success_url

PAYMENT_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}
REFUND_EVENTS = {"refund.created", "refund.updated", "refund.failed"}
REFUND_STATUS = {
    "succeeded": PaymentStatus.REFUNDED,
    "pending": PaymentStatus.PENDING,
    "requires_action": PaymentStatus.PENDING,
    "failed": PaymentStatus.REFUND_FAILED,
    "canceled": PaymentStatus.REFUND_FAILED,
}


def _with_session_id(url: str) -> str:
    if "{CHECKOUT_SESSION_ID}" in url:
        return url
    return url + ("&" if "?" in url else "?") + SESSION_ID_PARAMETER


def refund_key(reference: str, attempt: int) -> str:
    """The refund's Idempotency-Key for `attempt` (0: our reference itself); the same on every call, so a retried
    walk replays what Stripe saved for each earlier key instead of refunding again."""
    return reference if attempt == 0 else f"{reference}-retry-{attempt}"


class _ServerError(GatewayError):
    """A 5xx from Stripe; `replayed` when Stripe replayed the answer it saved for this idempotency key."""

    def __init__(self, status: int, *, replayed: bool) -> None:
        super().__init__(f"stripe:http-{status}", retryable=True)
        self.replayed = replayed


def _id(value: Any) -> str:
    """An expandable field: Stripe sends an id, or the object when it was expanded."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


class StripeGateway(PaymentGateway):
    name = "stripe"
    supports_card_on_file = True

    def __init__(self, *, secret_key: str, webhook_secret: str, api_base: str, timeout: float) -> None:
        self.webhook_secret = webhook_secret
        self.client = stripe_sdk.StripeClient(
            secret_key,
            base_addresses={"api": api_base},
            max_network_retries=0,  # our caller retries on GatewayError.retryable, with the same idempotency key
            # requests (the SDK's default client) with our timeout for connecting and for each read
            http_client=stripe_sdk.RequestsClient(timeout=timeout),
        )

    @classmethod
    def from_settings(cls) -> StripeGateway:
        values = {}
        for setting in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE"):
            value = getattr(settings, setting, "")
            if not value:
                raise ImproperlyConfigured(f"{setting} must be set when PAYMENT_GATEWAYS includes stripe.")
            values[setting] = value
        if not values["STRIPE_SECRET_KEY"].startswith(("sk_", "rk_")):
            raise ImproperlyConfigured("STRIPE_SECRET_KEY must be a secret key (sk_test_..., sk_live_...).")
        if not values["STRIPE_WEBHOOK_SECRET"].startswith("whsec_"):
            raise ImproperlyConfigured("STRIPE_WEBHOOK_SECRET must be the webhook endpoint's secret (whsec_...).")
        if getattr(settings, "PAYMENTS_LIVE", False) != values["STRIPE_SECRET_KEY"].startswith(("sk_live_",
                                                                                               "rk_live_")):
            raise ImproperlyConfigured("STRIPE_SECRET_KEY must be a live key exactly when PAYMENTS_LIVE is set.")
        return cls(secret_key=values["STRIPE_SECRET_KEY"], webhook_secret=values["STRIPE_WEBHOOK_SECRET"],
                   api_base=values["STRIPE_API_BASE"], timeout=settings.PAYMENT_GATEWAY_TIMEOUT)

    # -- calls --------------------------------------------------------------------------------------------------

    def _call(self, function: Any, params: dict[str, Any] | None = None, *, idempotency_key: str = "",
              card_errors: bool = False) -> Any:
        """One API call; every failure becomes a GatewayError (or, with card_errors, a CardError stays one; a 5xx is
        a `_ServerError`, which says whether Stripe replayed it)."""
        options: dict[str, Any] = {"idempotency_key": idempotency_key} if idempotency_key else {}
        try:
            if params is None:
                return function(options=options)
            return function(params=params, options=options)
        except stripe_sdk.CardError:
            if card_errors:
                raise
            raise GatewayError("stripe:http-402:card_error", retryable=False) from None
        except stripe_sdk.APIConnectionError as error:
            timeout = isinstance(error.__cause__, requests.Timeout)
            raise GatewayError("stripe:timeout" if timeout else "stripe:connection", retryable=True) from None
        except stripe_sdk.RateLimitError:
            raise GatewayError("stripe:http-429", retryable=True) from None
        except stripe_sdk.IdempotencyError as error:
            raise GatewayError(f"stripe:idempotency:http-{error.http_status}", retryable=False) from None
        except stripe_sdk.StripeError as error:
            status = error.http_status or 0
            if status >= 500:
                headers = {str(name).lower(): value for name, value in (error.headers or {}).items()}
                raise _ServerError(status, replayed=headers.get("idempotent-replayed") == "true") from None
            code = f"stripe:http-{status}" + (f":{error.code}" if error.code else "")
            raise GatewayError(code, retryable=status >= 500) from None

    def _session_params(self, request: PaymentRequest, *, mode: str) -> dict[str, Any]:
        return {
            "mode": mode,
            "client_reference_id": request.reference,
            "metadata": {"reference": request.reference},
            "success_url": _with_session_id(request.return_url),
            "cancel_url": request.cancel_url,
            "locale": request.language if request.language in CHECKOUT_LOCALES else "auto",
        }

    def start(self, request: PaymentRequest) -> Checkout:
        params = self._session_params(request, mode="payment") | {
            "line_items": [{
                "quantity": 1,
                "price_data": {
                    "currency": request.currency.lower(),
                    "unit_amount": request.amount_minor,
                    "product_data": {"name": request.description},
                },
            }],
            "customer_email": request.email,
            "payment_intent_data": {"metadata": {"reference": request.reference}},
        }
        session = self._call(self.client.v1.checkout.sessions.create, params, idempotency_key=request.reference)
        return Checkout(provider_ref=session.id, redirect_url=session.url)

    def start_card_setup(self, request: PaymentRequest) -> Checkout:
        customer = self._call(self.client.v1.customers.create,
                              {"email": request.email, "metadata": {"reference": request.reference}},
                              idempotency_key=f"{request.reference}-customer")
        params = self._session_params(request, mode="setup") | {
            "customer": customer.id,
            "currency": request.currency.lower(),
            "setup_intent_data": {"metadata": {"reference": request.reference}},
        }
        session = self._call(self.client.v1.checkout.sessions.create, params, idempotency_key=request.reference)
        return Checkout(provider_ref=session.id, redirect_url=session.url)

    def charge_card(self, *, customer_ref: str, payment_method_ref: str, amount_minor: int, currency: str,
                    reference: str, description: str) -> Notification:
        params = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "customer": customer_ref,
            "payment_method": payment_method_ref,
            "off_session": True,
            "confirm": True,
            "description": description,
            "metadata": {"reference": reference},
        }
        try:
            intent = self._call(self.client.v1.payment_intents.create, params, idempotency_key=reference,
                                card_errors=True)
        except stripe_sdk.CardError as error:
            # Documented for off-session charges: 402 with error.code (authentication_required, card_declined...)
            # and the PaymentIntent in error.payment_intent. A decision, not an outage: FAILED, not retried.
            body = error.json_body if isinstance(error.json_body, dict) else {}
            details = body.get("error") or {}
            intent_id = _id(details.get("payment_intent"))
            return Notification(reference=reference, provider_ref=intent_id, status=PaymentStatus.FAILED,
                                amount_minor=amount_minor, currency=currency.upper(),
                                event_id=f"{intent_id or reference}:{error.code or 'card_error'}")
        status = {"succeeded": PaymentStatus.PAID, "processing": PaymentStatus.PENDING}.get(intent.status,
                                                                                              PaymentStatus.FAILED)
        return Notification(reference=reference, provider_ref=intent.id, status=status,
                            amount_minor=intent.amount, currency=intent.currency.upper(),
                            event_id=f"{intent.id}:{intent.status}")

    def refund(self, *, payment: Notification, amount_minor: int, reference: str, notify_url: str) -> RefundResult:
        """Refund under our reference's key; after a 5xx, the refund Stripe may have made anyway is looked up by our
        reference, and only when it is not there is the refund asked again under the next key (`refund_key`)."""
        if not payment.provider_ref.startswith("pi_"):
            raise GatewayError("stripe:refund-needs-payment-intent", retryable=False)
        params = {"payment_intent": payment.provider_ref, "amount": amount_minor, "metadata": {"reference": reference}}
        fresh = 0
        for attempt in range(REFUND_MAX_KEYS):
            try:
                refund = self._call(self.client.v1.refunds.create, params,
                                    idempotency_key=refund_key(reference, attempt))
            except _ServerError as error:
                found = self._refund_made(payment.provider_ref, reference)
                if found is not None:
                    refund = found
                else:
                    fresh += not error.replayed
                    if fresh >= REFUND_FRESH_ATTEMPTS:
                        raise  # retryable: the worker walks the keys again later
                    continue
            return RefundResult(provider_ref=refund.id,
                                status=REFUND_STATUS.get(refund.status, PaymentStatus.PENDING))
        # Every key answered 5xx and no refund carries our reference: staff see the refund failed, with this code.
        raise GatewayError("stripe:refund-keys-exhausted", retryable=False)

    def _refund_made(self, payment_intent: str, reference: str) -> Any:
        """The refund of `payment_intent` that carries our `reference` in its metadata, or None (Refunds › List,
        newest first, every page)."""
        def search(options: dict[str, Any]) -> Any:
            page = self.client.v1.refunds.list(params={"payment_intent": payment_intent, "limit": REFUND_LIST_PAGE},
                                               options=options)
            return next((refund for refund in page.auto_paging_iter()
                         if (refund.to_dict().get("metadata") or {}).get("reference") == reference), None)

        return self._call(search)

    # -- notifications ------------------------------------------------------------------------------------------

    def settle(self, *, method: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> Notification:
        if method.upper() == "GET":
            return self._settle_return(query)
        try:
            stripe_sdk.WebhookSignature.verify_header(body, headers.get("stripe-signature"), self.webhook_secret,
                                                      WEBHOOK_TOLERANCE)
        except (stripe_sdk.SignatureVerificationError, UnicodeDecodeError):
            raise SignatureRefused("stripe:signature") from None
        try:
            event = json.loads(body)
            kind, event_id, obj = event["type"], event["id"], event["data"]["object"]
        except (ValueError, KeyError, TypeError):
            raise SignatureRefused("stripe:malformed") from None
        if kind in PAYMENT_EVENTS:
            return self._from_session(obj, kind=kind, event_id=event_id)
        if kind in REFUND_EVENTS:
            return self._from_refund(obj, event_id=event_id)
        if kind == "charge.refunded":
            # Since API version 2022-11-15 a charge no longer embeds its refunds; refund.* events carry them.
            refunds = (obj.get("refunds") or {}).get("data") or []
            if refunds:
                return self._from_refund(max(refunds, key=lambda refund: refund.get("created", 0)),
                                         event_id=event_id)
        raise GatewayError("stripe:event-ignored", retryable=False)

    def _settle_return(self, query: dict[str, str]) -> Notification:
        session_id = query.get("session_id", "")
        if not re.fullmatch(r"cs_[A-Za-z0-9_]{1,200}", session_id):
            raise SignatureRefused("stripe:return")
        session = self._call(lambda options: self.client.v1.checkout.sessions.retrieve(session_id, options=options))
        return self._from_session(session.to_dict(), kind="return", event_id=f"return:{session_id}")

    def _from_session(self, session: dict[str, Any], *, kind: str, event_id: str) -> Notification:
        reference = session.get("client_reference_id") or (session.get("metadata") or {}).get("reference") or ""
        if not reference:
            raise GatewayError("stripe:event-ignored", retryable=False)  # a session Tilli did not create
        currency = str(session.get("currency") or "").upper()
        if session.get("mode") == "setup":
            status = PaymentStatus.PAID if session.get("status") == "complete" else PaymentStatus.FAILED
            method = ""
            if status == PaymentStatus.PAID:
                setup_intent = session.get("setup_intent")
                if not isinstance(setup_intent, dict):
                    intent_id = _id(setup_intent)
                    setup_intent = self._call(
                        lambda options: self.client.v1.setup_intents.retrieve(intent_id, options=options)).to_dict()
                method = _id(setup_intent.get("payment_method"))
            return Notification(reference=reference, provider_ref=method, status=status, amount_minor=0,
                                currency=currency, event_id=event_id, customer_ref=_id(session.get("customer")))
        payment_status = session.get("payment_status")
        if kind in ("checkout.session.expired", "checkout.session.async_payment_failed"):
            status = PaymentStatus.FAILED
        elif payment_status in ("paid", "no_payment_required"):
            status = PaymentStatus.PAID
        elif kind == "return" and session.get("status") == "expired":
            status = PaymentStatus.FAILED
        else:
            status = PaymentStatus.PENDING  # an async method (a bank debit) is still on its way
        return Notification(reference=reference, provider_ref=_id(session.get("payment_intent")) or session["id"],
                            status=status, amount_minor=int(session.get("amount_total") or 0), currency=currency,
                            event_id=event_id)

    def _from_refund(self, refund: dict[str, Any], *, event_id: str) -> Notification:
        reference = (refund.get("metadata") or {}).get("reference") or ""
        if not reference:
            raise GatewayError("stripe:event-ignored", retryable=False)  # refunded in the Dashboard, not by Tilli
        return Notification(reference=reference, provider_ref=str(refund.get("id") or ""),
                            status=REFUND_STATUS.get(refund.get("status") or "", PaymentStatus.PENDING),
                            amount_minor=int(refund.get("amount") or 0),
                            currency=str(refund.get("currency") or "").upper(), event_id=event_id, is_refund=True)


GATEWAY = StripeGateway
