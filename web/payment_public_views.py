"""The online payment's public pages (issue 18).

- The booking page's payment step (`payment_step`, `add_acceptance`, `book_and_pay`, used by the details step in
  web/booking_views.py): the policy's text and the amount are shown before paying, a checkbox accepts them, then the
  visitor goes to the gateway's hosted page. The amount comes from the server only.
- `/pay/notify/<gateway>/`: the gateway's server-to-server notification (CSRF-exempt, GET or POST): verified by the
  gateway (400 when its signature does not verify), acted on by billing, answered as the provider expects.
- `/pay/return/<stamp>/`: where the customer comes back. The page itself writes nothing (a GET never writes): it
  posts the signed return parameters back (htmx, on load) and then polls until the payment's confirmation has
  arrived, and sends the customer on to the booking's confirmation.
- `/pay/cancel/<stamp>/`: the customer left the gateway's page without paying; they can free the time at once.

The stamp in these URLs is the payment's random reference: no name, email or appointment id.
"""

from __future__ import annotations

import logging

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from billing.gateways import enabled, gateway
from billing.gateways.base import GatewayError, SignatureRefused
from billing.models import OnlinePaymentKind, OnlinePaymentStatus
from billing.online_payments import (
    amount_due,
    gateway_for,
    payment_by_stamp,
    payment_fail,
    payment_settle,
    policy_for,
    policy_wording,
)
from booking.holds import release_hold
from booking.models import AppointmentState
from booking.notifications import manage_token
from kernel.audit import Actor, client_ip
from kernel.models import ActorKind
from notify.prepayment import book_online_with_payment
from tilli.errors import DomainError

logger = logging.getLogger(__name__)

DONE = (OnlinePaymentStatus.PAID, OnlinePaymentStatus.PARTLY_REFUNDED, OnlinePaymentStatus.REFUNDED,
        OnlinePaymentStatus.KEPT)
ACCEPT = "accept_payment"


# -- the booking page's payment step ------------------------------------------------------------------------------


def payment_step(organization, service, language: str) -> dict | None:
    """What the visitor pays for `service` before the booking is made (None: nothing; the booking is as before),
    with the policy's wording in the page's `language` (the wording their payment stores as accepted)."""
    policy = policy_for(service)
    due = amount_due(policy, service)
    if due is None:
        return None
    kind, amount = due
    from billing.sales import currency_of

    return {"policy": policy, "text": policy_wording(policy, language),
            "kind": kind, "amount": amount, "currency": currency_of(organization),
            "card": kind == OnlinePaymentKind.CARD_SETUP, "deposit": kind == OnlinePaymentKind.DEPOSIT,
            "available": gateway_for(organization, card_on_file=kind == OnlinePaymentKind.CARD_SETUP) is not None,
            "free_hours": policy.free_cancellation_hours, "fee": policy.no_show_fee}


def add_acceptance(form: forms.Form, step: dict) -> None:
    if step["card"]:
        label = gettext_lazy("I accept the payment policy above and save my card as a guarantee")
    else:
        label = gettext_lazy("I accept the payment policy above and pay now")
    form.fields[ACCEPT] = forms.BooleanField(label=label, required=True, error_messages={
        "required": gettext_lazy("Accept the payment policy to continue to the payment.")})


def book_and_pay(request: HttpRequest, booking: dict) -> HttpResponse:
    """Hold the time and send the visitor on to the gateway's hosted page (raises the booking's refusals).

    Not a redirect of the form's POST: the Content-Security-Policy's form-action allows only our own origin, so
    the answer is a page that moves on to the gateway by itself (a meta refresh, no script) and has a link."""
    appointment, payment, url = book_online_with_payment(**booking)
    return render(request, "web/pay/go.html", {"booking_org": payment.organization, "payment": payment,
                                               "appointment": appointment, "url": url})


# -- the gateway's notification ----------------------------------------------------------------------------------


def _headers(request: HttpRequest) -> dict[str, str]:
    return {name.lower(): value for name, value in request.headers.items()}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def notify(request: HttpRequest, gateway_name: str) -> HttpResponse:
    name = gateway_name
    if name not in enabled():
        raise Http404
    provider = gateway(name)
    try:
        notification = provider.settle(method=request.method, query=request.GET.dict(), headers=_headers(request),
                                       body=request.body)
    except SignatureRefused as refused:
        logger.warning("payment notification refused: %s", refused.code)
        return HttpResponseBadRequest("refused", content_type="text/plain")
    except GatewayError as error:
        logger.warning("payment notification not acted on: %s", error.code)
        if error.retryable:
            return HttpResponse("try again", status=503, content_type="text/plain")
        status, content_type, body = provider.notification_answer()  # nothing for us: do not make it retry
        return HttpResponse(body, status=status, content_type=content_type)
    try:
        payment_settle(notification=notification, gateway=name)
    except DomainError as refused:
        return HttpResponseBadRequest(str(refused.code), content_type="text/plain")
    status, content_type, body = provider.notification_answer()
    return HttpResponse(body, status=status, content_type=content_type)


# -- the customer's return ---------------------------------------------------------------------------------------


def _payment(stamp: str):
    payment = payment_by_stamp(stamp)
    if payment is None or payment.appointment_id is None:
        raise Http404
    return payment


def _booked_url(payment) -> str:
    appointment = payment.appointment
    return reverse("public_booking:booked", args=[payment.organization.slug, manage_token(appointment)])


def _state(payment) -> str:
    """"done" (the booking is confirmed), "refunding" (paid after the time was gone), "failed", or "waiting"."""
    appointment = payment.appointment
    if payment.status in DONE:
        if appointment.state in (AppointmentState.BOOKED, AppointmentState.CONFIRMED, AppointmentState.ARRIVED,
                                 AppointmentState.COMPLETED):
            return "done"
        if appointment.state == AppointmentState.CANCELLED and payment.status != OnlinePaymentStatus.KEPT:
            return "refunding"
        return "waiting"  # paid: the booking is being confirmed (the worker)
    if payment.status in (OnlinePaymentStatus.FAILED, OnlinePaymentStatus.LAPSED):
        return "failed"
    return "waiting"


def _context(payment, state: str, query: dict | None = None) -> dict:
    return {"payment": payment, "booking_org": payment.organization, "state": state, "query": query or {},
            "status_url": reverse("pay:status", args=[payment.stamp]),
            "services_url": reverse("public_booking:services", args=[payment.organization.slug])}


def back(request: HttpRequest, stamp: str) -> HttpResponse:
    """The return page: writes nothing; its form posts the gateway's signed return parameters to `status`."""
    payment = _payment(stamp)
    state = _state(payment)
    if state == "done":
        return redirect(_booked_url(payment))
    query = {key: value for key, value in request.GET.items() if len(key) <= 100 and len(value) <= 1000}
    return render(request, "web/pay/return.html", _context(payment, state, dict(list(query.items())[:40])))


@require_POST
def status(request: HttpRequest, stamp: str) -> HttpResponse:
    """Verify the signed return (where the gateway signs it) and say where the payment stands (htmx fragment)."""
    payment = _payment(stamp)
    query = {key.removeprefix("q:"): value for key, value in request.POST.items() if key.startswith("q:")}
    if query and payment.status not in DONE and payment.gateway in enabled():
        try:
            notification = gateway(payment.gateway).settle(method="GET", query=query, headers={}, body=b"")
            if notification.reference == payment.stamp:
                payment_settle(notification=notification, gateway=payment.gateway)
        except (GatewayError, DomainError) as refused:  # unsigned or not verifiable: wait for the notification
            logger.info("payment return not verified: %s", getattr(refused, "code", "refused"))
        payment = _payment(stamp)
    state = _state(payment)
    if state == "done":
        if not request.headers.get("HX-Request"):
            return redirect(_booked_url(payment))
        response = HttpResponse(status=204)
        response["HX-Redirect"] = _booked_url(payment)
        return response
    # 286 tells htmx to stop polling: the payment failed, or it is being refunded
    return render(request, "web/pay/_status.html", _context(payment, state),
                  status=200 if state == "waiting" or not request.headers.get("HX-Request") else 286)


# -- the customer cancelled at the gateway -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, stamp: str) -> HttpResponse:
    """GET: the payment was not completed; the time stays held until it lapses. POST: free it now."""
    payment = _payment(stamp)
    if payment.status in DONE:
        return redirect(reverse("pay:return", args=[stamp]))
    if request.method == "POST":
        actor = Actor(kind=ActorKind.CLIENT, ip=client_ip(request))
        payment_fail(payment=payment, code=f"{payment.gateway}:cancelled", actor=actor)
        release_hold(appointment=payment.appointment, actor=actor, reason="payment cancelled")
        return redirect(reverse("public_booking:services", args=[payment.organization.slug]))
    context = _context(payment, _state(payment))
    hold = payment.appointment.hold_until
    context["held"] = hold is not None and hold > timezone.now() and payment.appointment.state == "pending"
    return render(request, "web/pay/cancel.html", context)

