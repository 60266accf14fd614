"""/api/v1 online payments (issue 18): payments and their refunds (VIEW_PAYMENTS), refunding one
(REFUND_ONLINE_PAYMENTS) and the payment policies (MANAGE_ONLINE_PAYMENTS), through the same services as the panel.

Amounts are decimal strings in the payment's currency. A payment kept only for accounting after the client's
erasure (restricted) is not found here. Another organization's payment or service is a 404.
"""

import datetime as dt
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from api.auth import require
from api.errors import ApiError, ErrorOut
from api.pagination import BoundedLimitOffset
from api.types import Day, Id
from billing.models.online import OnlinePayment
from billing.online_payments import payment_refund
from billing.payment_settings import (
    MAX_HOURS,
    MAX_TEXT,
    default_policy,
    payment_search,
    policy_of_service,
    policy_remove,
    policy_save,
    refunds_of,
    service_policies,
)
from booking.models import Service
from kernel.audit import actor_for_request
from kernel.models import ActorKind
from tenancy.access import scoped
from tenancy.roles import Perm

router = Router(tags=["online payments"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Money = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)]
# The models' choices, spelled out for the schema (a test checks they match): "decision" is the list's own filter.
StatusFilter = Literal["decision", "started", "pending", "paid", "failed", "lapsed", "refunded", "partly_refunded",
                       "kept"]
KindFilter = Literal["prepayment", "deposit", "card_setup", "fee"]
GatewayFilter = Literal["stripe", "paytrail", "przelewy24"]
PolicyKindIn = Literal["none", "prepayment", "deposit", "card"]


class RefundOut(Schema):
    id: int
    amount: Decimal
    status: str
    reason: str
    requested_at: datetime
    done_at: datetime | None
    credit_receipt_id: int | None = Field(None, alias="credit_id")
    failure_code: str


class PaymentOut(Schema):
    id: int
    kind: str
    status: str
    gateway: str
    amount: Decimal
    refunded: Decimal
    currency: str
    test_mode: bool
    appointment_id: int | None
    client_id: int | None
    receipt_id: int | None = Field(None, alias="sale_id")
    policy_version: int
    failure_code: str
    created_at: datetime
    paid_at: datetime | None


class PaymentDetailOut(PaymentOut):
    provider_ref: str
    policy_text: str
    free_cancellation_until: datetime | None
    refunds: list[RefundOut]


class RefundIn(Schema):
    model_config = ConfigDict(extra="forbid")  # money moves: a misspelt field is refused, not ignored

    amount: Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=2)]
    reason: str = Field(min_length=1, max_length=200)


class PolicyTranslations(Schema):
    model_config = ConfigDict(extra="forbid")

    text: dict[Annotated[str, Field(max_length=10)], Annotated[str, Field(max_length=MAX_TEXT)]] = Field(
        default_factory=dict, description="{language code: wording}")


class PolicyIn(Schema):
    model_config = ConfigDict(extra="forbid")  # a misspelt term is refused, not silently left out

    kind: PolicyKindIn = Field(description="none, prepayment, deposit (amount or percent) or card (guarantee).")
    deposit_amount: Money | None = None
    deposit_percent: Annotated[Decimal, Field(ge=1, le=100, max_digits=5, decimal_places=2)] | None = None
    no_show_fee: Money | None = None
    free_cancellation_hours: Annotated[int, Field(ge=0, le=MAX_HOURS)] = 24
    text: str = Field("", max_length=MAX_TEXT, description=(
        "The wording the customer accepts before paying, in the organization's default language."))
    translations: PolicyTranslations = Field(default_factory=PolicyTranslations, description=(
        'The wording in the booking page\'s other languages: {"text": {"sv": "…", "en": "…"}}. A visitor reads '
        "their page's language, else the default language's `text`. A PUT replaces the whole policy: a language "
        "left out has no translation. 422 policy_language_not_offered for a language the booking page does not "
        "offer, policy_text_too_long, bad_policy_text."))


class PolicyOut(Schema):
    id: int
    service_id: int | None
    kind: str
    deposit_amount: Decimal | None
    deposit_percent: Decimal | None
    no_show_fee: Decimal | None
    free_cancellation_hours: int
    text: str
    translations: PolicyTranslations
    version: int
    updated_at: datetime

    @staticmethod
    def resolve_translations(obj) -> dict:
        translations = obj.translations if isinstance(obj.translations, dict) else {}
        return {"text": translations.get("text") or {}}


class PoliciesOut(Schema):
    default: PolicyOut | None
    services: list[PolicyOut]


def _actor(request: HttpRequest):
    return actor_for_request(request, kind=ActorKind.API)


def _payment(request: HttpRequest, payment_id: int, perm: Perm = Perm.VIEW_PAYMENTS) -> OnlinePayment:
    require(request, perm)
    payment = scoped(request, OnlinePayment).filter(pk=payment_id, restricted_until=None).first()
    if payment is None:
        raise ApiError(404, "not_found", _("Not found."))
    return payment


def _service(request: HttpRequest, service_id: int) -> Service:
    require(request, Perm.MANAGE_ONLINE_PAYMENTS)
    service = scoped(request, Service).filter(pk=service_id).first()
    if service is None:
        raise ApiError(404, "not_found", _("Not found."))
    return service


def _detail(payment: OnlinePayment) -> dict:
    return {**{f: getattr(payment, f) for f in PaymentDetailOut.model_fields if f not in ("refunds", "receipt_id")},
            "sale_id": payment.sale_id, "refunds": list(refunds_of(payment))}


@router.get("/online-payments", response={200: list[PaymentOut], **ERRORS})
@paginate(BoundedLimitOffset)
def online_payments_list(request: HttpRequest, status: StatusFilter | None = None, kind: KindFilter | None = None,
                         gateway: GatewayFilter | None = None, since: Day | None = None, until: Day | None = None):
    """Online payments, newest first. `status=decision`: paid bookings cancelled late or not attended, waiting for
    staff to keep, refund or charge the fee. `since`/`until`: days (inclusive) in the organization's time zone."""
    require(request, Perm.VIEW_PAYMENTS)
    zone = ZoneInfo(request.organization.time_zone)
    start = dt.datetime.combine(since, dt.time(), tzinfo=zone) if since else None
    end = dt.datetime.combine(until, dt.time(), tzinfo=zone) + dt.timedelta(days=1) if until else None
    return payment_search(request.organization, status=status or "", kind=kind or "", gateway=gateway or "",
                          since=start, until=end)


@router.get("/online-payments/{payment_id}", response={200: PaymentDetailOut, **ERRORS})
def online_payments_read(request: HttpRequest, payment_id: Id):
    """A payment with its status and refunds."""
    return _detail(_payment(request, payment_id))


@router.post("/online-payments/{payment_id}/refunds", response={201: RefundOut, **ERRORS})
def online_payments_refund(request: HttpRequest, payment_id: Id, payload: RefundIn):
    """Refund all or part of a paid payment through its gateway: the refund is `requested` at once and becomes
    `done` (with its credit receipt) when the gateway has returned the money."""
    payment = _payment(request, payment_id, perm=Perm.REFUND_ONLINE_PAYMENTS)
    return Status(201, payment_refund(payment=payment, amount=payload.amount, reason=payload.reason,
                                      actor=_actor(request)))


@router.get("/payment-policies", response={200: PoliciesOut, **ERRORS})
def payment_policies_read(request: HttpRequest):
    """The organization's default policy (null: no payment when booking) and the services' own policies."""
    require(request, Perm.MANAGE_ONLINE_PAYMENTS)
    return {"default": default_policy(request.organization), "services": list(service_policies(request.organization))}


@router.put("/payment-policies/default", response={200: PolicyOut, **ERRORS})
def payment_policies_default(request: HttpRequest, payload: PolicyIn):
    require(request, Perm.MANAGE_ONLINE_PAYMENTS)
    return policy_save(organization=request.organization, actor=_actor(request), **payload.dict())


@router.get("/payment-policies/services/{service_id}", response={200: PolicyOut, **ERRORS})
def payment_policies_service_read(request: HttpRequest, service_id: Id):
    """The service's own policy; 404 `no_own_policy` when it follows the default."""
    service = _service(request, service_id)
    policy = policy_of_service(request.organization, service)
    if policy is None:
        raise ApiError(404, "no_own_policy", _("This service follows the default policy."))
    return policy


@router.put("/payment-policies/services/{service_id}", response={200: PolicyOut, **ERRORS})
def payment_policies_service(request: HttpRequest, service_id: Id, payload: PolicyIn):
    service = _service(request, service_id)
    return policy_save(organization=request.organization, service=service, actor=_actor(request), **payload.dict())


@router.api_operation(["DELETE"], "/payment-policies/services/{service_id}", response={204: None, **ERRORS})
def payment_policies_service_remove(request: HttpRequest, service_id: Id):
    """The service follows the default policy again."""
    policy_remove(organization=request.organization, service=_service(request, service_id), actor=_actor(request))
    return Status(204, None)
