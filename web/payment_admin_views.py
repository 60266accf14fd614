"""The panel's online payment pages (issue 18): the payments, one payment with its refunds and receipts, the staff's
decisions (refund, keep the deposit, charge the no-show fee), and the owner's settings (gateways and policies).

Reading needs VIEW_PAYMENTS; deciding REFUND_ONLINE_PAYMENTS (owner, reception); the settings
MANAGE_ONLINE_PAYMENTS (owner). Every object comes through the one door scoped by organization, so another
organization's payment or service is a 404. The pages only present: money moves in billing's services
(billing.online_payments, billing.payment_settings), whose refusals land on the form.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from billing.models.online import (
    GatewayConnection,
    OnlinePayment,
    OnlinePaymentKind,
    OnlinePaymentStatus,
    PaymentPolicy,
    PolicyKind,
)
from billing.online_payments import fee_charge, missed, payment_keep, payment_refund, refundable
from billing.payment_settings import (
    PROVIDERS,
    default_policy,
    fees_for,
    gateway_choices,
    gateway_connect,
    gateway_disconnect,
    payment_search,
    payments_live,
    policy_of_service,
    policy_remove,
    policy_save,
    refunds_of,
    with_policies,
)
from booking.models import Service
from kernel.audit import actor_for_request
from tenancy.access import get_for_member, require_perm, scoped
from tenancy.roles import Perm
from tilli.errors import DomainError
from web.form_errors import apply_errors
from web.payment_admin_forms import FeeForm, KeepForm, PaymentFilterForm, PolicyForm, RefundForm


def _payment(request: HttpRequest, payment_id: int, perm: Perm = Perm.VIEW_PAYMENTS) -> OnlinePayment:
    # kept only for accounting after an erasure: on the restricted records' page, not here
    return get_for_member(request, OnlinePayment, perm=perm, pk=payment_id, restricted_until=None)


def _to_payment(request: HttpRequest, payment: OnlinePayment) -> HttpResponse:
    return redirect("web:online_payment", org_slug=request.organization.slug, payment_id=payment.pk)


def payments(request: HttpRequest) -> HttpResponse:
    """Online payments, newest first, filtered by status (or "awaiting a decision"), kind, gateway and day."""
    require_perm(request, Perm.VIEW_PAYMENTS)
    form = PaymentFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    zone = ZoneInfo(request.organization.time_zone)

    def moment(day, days=0):
        return dt.datetime.combine(day + dt.timedelta(days=days), dt.time(), tzinfo=zone) if day else None

    rows = payment_search(request.organization, status=filters.get("status", ""), kind=filters.get("kind", ""),
                          gateway=filters.get("gateway", ""), since=moment(filters.get("since")),
                          until=moment(filters.get("until"), 1))
    if form.is_bound and not form.is_valid():
        rows = rows.none()  # a filter that cannot be read shows its error, not everything
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "web/payments/online_list.html", {
        "form": form, "page": page, "live": payments_live(),
        "can_manage": request.membership.has_perm(Perm.MANAGE_ONLINE_PAYMENTS)},
        status=422 if form.is_bound and not form.is_valid() else 200)


def payment_detail(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = _payment(request, payment_id)
    can_decide = request.membership.has_perm(Perm.REFUND_ONLINE_PAYMENTS)
    return render(request, "web/payments/online_detail.html", {
        "payment": payment, "refunds": refunds_of(payment), "fees": fees_for(payment),
        "provider": PROVIDERS.get(payment.gateway, {}).get("label", payment.gateway),
        "can_see_client": request.membership.has_perm(Perm.VIEW_CLIENTS),
        "can_see_receipts": request.membership.has_perm(Perm.VIEW_PAYMENTS),
        **(_actions(payment) if can_decide else {})})


def _actions(payment: OnlinePayment) -> dict:
    paid = payment.status == OnlinePaymentStatus.PAID
    left = refundable(payment) if payment.kind != OnlinePaymentKind.CARD_SETUP else 0
    return {"refundable": left, "can_refund": left > 0,
            "can_keep": paid and missed(payment) and payment.kind in (OnlinePaymentKind.PREPAYMENT,
                                                                      OnlinePaymentKind.DEPOSIT),
            "can_charge": paid and missed(payment) and payment.kind == OnlinePaymentKind.CARD_SETUP
            and bool(payment.payment_method_ref)}


def _decision(request: HttpRequest, payment_id: int, form_class, template: str, act, initial=None,
              done: str = "") -> HttpResponse:
    """A staff decision on a payment: GET shows what will happen and asks to confirm; POST does it. `act` returns a
    message when the gateway refused (the decision is recorded all the same), else None."""
    payment = _payment(request, payment_id, perm=Perm.REFUND_ONLINE_PAYMENTS)
    form = form_class(request.POST if request.method == "POST" else None, initial=initial or {})
    if request.method == "POST" and form.is_valid():
        try:
            refused = act(payment, form.cleaned_data, actor_for_request(request))
        except DomainError as error:
            apply_errors(form, error)
        else:
            if refused:  # the gateway said no (a declined card): recorded, and said as it is
                messages.error(request, refused)
            else:
                messages.success(request, done)
            return _to_payment(request, payment)
    return render(request, template, {"payment": payment, "form": form, **_actions(payment)},
                  status=422 if form.is_bound and form.errors else 200)


def payment_refund_view(request: HttpRequest, payment_id: int) -> HttpResponse:
    def act(payment, data, actor):
        payment_refund(payment=payment, amount=data["amount"], reason=data["reason"], actor=actor)

    payment = _payment(request, payment_id, perm=Perm.REFUND_ONLINE_PAYMENTS)
    return _decision(request, payment_id, RefundForm, "web/payments/online_refund.html", act,
                     initial={"amount": refundable(payment)},
                     done=_("The refund was requested: the gateway returns the money and a credit receipt is "
                            "written."))


def payment_keep_view(request: HttpRequest, payment_id: int) -> HttpResponse:
    def act(payment, data, actor):
        payment_keep(payment=payment, actor=actor)

    return _decision(request, payment_id, KeepForm, "web/payments/online_keep.html", act,
                     done=_("The payment is kept under the policy."))


def payment_fee_view(request: HttpRequest, payment_id: int) -> HttpResponse:
    def act(payment, data, actor):
        fee = fee_charge(payment=payment, actor=actor, amount=data["amount"])
        return _("The card was declined: the fee was not charged.") if fee.status == OnlinePaymentStatus.FAILED \
            else None

    payment = _payment(request, payment_id, perm=Perm.REFUND_ONLINE_PAYMENTS)
    policy = _policy_for(payment)
    return _decision(request, payment_id, FeeForm, "web/payments/online_fee.html", act,
                     initial={"amount": policy.no_show_fee if policy is not None else None},
                     done=_("The fee was sent to the gateway."))


def _policy_for(payment: OnlinePayment) -> PaymentPolicy | None:
    service = payment.appointment.service if payment.appointment_id else None
    own = policy_of_service(payment.organization, service) if service is not None else None
    return own or default_policy(payment.organization)


# The owner's settings ------------------------------------------------------------------------------------------

def _to_settings(request: HttpRequest) -> HttpResponse:
    return redirect("web:online_payment_settings", org_slug=request.organization.slug)


def payment_settings(request: HttpRequest) -> HttpResponse:
    """Gateways (connect, disconnect) and the organization's default policy; the services' own policies listed."""
    require_perm(request, Perm.MANAGE_ONLINE_PAYMENTS)
    organization, actor = request.organization, actor_for_request(request)
    policy = default_policy(organization)
    form = PolicyForm.for_policy(policy, organization=organization)
    action = request.POST.get("action") if request.method == "POST" else None
    if action in ("connect", "disconnect"):
        try:
            if action == "connect":
                gateway_connect(organization=organization, gateway=request.POST.get("gateway", "")[:20], actor=actor)
                messages.success(request, _("The payment gateway is connected."))
            else:
                connection = _posted_connection(request)
                gateway_disconnect(connection=connection, actor=actor)
                messages.success(request, _("The payment gateway is disconnected."))
        except DomainError as error:
            messages.error(request, str(error))
        return _to_settings(request)
    if action == "policy":
        form = PolicyForm.for_policy(policy, request.POST, organization=organization)
        if form.is_valid():
            try:
                policy_save(organization=organization, actor=actor, **form.policy())
            except DomainError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The payment policy is saved."))
                return _to_settings(request)
    services = scoped(request, Service).filter(is_active=True).order_by("name", "pk")
    return render(request, "web/payments/online_settings.html", {
        "gateways": gateway_choices(organization), "live": payments_live(), "policy": policy, "form": form,
        "services": with_policies(organization, services), "kinds": dict(PolicyKind.choices)},
        status=422 if form.is_bound and form.errors else 200)


def _posted_connection(request: HttpRequest) -> GatewayConnection:
    try:
        pk = int(request.POST.get("connection", ""))
    except ValueError:
        raise Http404 from None
    return get_for_member(request, GatewayConnection, perm=Perm.MANAGE_ONLINE_PAYMENTS, pk=pk)


def service_policy(request: HttpRequest, service_id: int) -> HttpResponse:
    """A service's own policy, or back to the organization's default."""
    service = get_for_member(request, Service, perm=Perm.MANAGE_ONLINE_PAYMENTS, pk=service_id)
    organization, actor = request.organization, actor_for_request(request)
    policy = policy_of_service(organization, service)
    form = PolicyForm.for_policy(policy or default_policy(organization), organization=organization)
    if request.method == "POST":
        if request.POST.get("action") == "default":
            policy_remove(organization=organization, service=service, actor=actor)
            messages.success(request, _("The service follows the default policy."))
            return _to_settings(request)
        form = PolicyForm.for_policy(policy, request.POST, organization=organization)
        if form.is_valid():
            try:
                policy_save(organization=organization, service=service, actor=actor, **form.policy())
            except DomainError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The payment policy is saved."))
                return _to_settings(request)
    return render(request, "web/payments/online_service.html", {
        "service": service, "policy": policy, "form": form, "live": payments_live()},
        status=422 if form.is_bound and form.errors else 200)
