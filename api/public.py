"""/api/v1/public/{booking_slug}: the booking page's operations for other front ends; no account needed.

The same rules as the page: online-bookable services only, notice and advance limits,
the visitor's details validated like everywhere else, 409 when the time was just taken,
and the same limits and proof of work as every public write (tenancy.public_writes): get a
challenge from `/challenge`, find a nonce such that SHA-256 of "<challenge>:<nonce>" starts
with `bits` zero bits, and send both with the booking (docs/public-writes.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from api.errors import ApiError, ErrorOut
from api.types import Day, Id, Moment
from billing.online_payments import amount_due, policy_for
from booking.models import Resource, ResourceKind, Service
from booking.notifications import manage_token
from booking.online import book_online
from booking.selectors import free_slots
from kernel.audit import client_ip
from notify.prepayment import book_online_with_payment
from notify.series_reactions import book_online_with_card
from tenancy.models import Organization
from tenancy.public import public_language, public_organization
from tenancy.public_writes import WriteRefused, booking_challenge, check_public_booking

router = Router(tags=["public booking"], auth=None)
ERRORS = {404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}
MAX_DAYS = 62


class StaffOut(Schema):
    id: int
    name: str


class PublicServiceOut(Schema):
    id: int
    name: str
    description: str
    duration_minutes: int
    price: Decimal
    currency: str
    staff: list[StaffOut]

    @staticmethod
    def resolve_staff(obj: Service) -> list[dict]:
        return [{"id": r.pk, "name": r.name} for r in obj.staff.all() if r.is_active]


class PublicSlotOut(Schema):
    start: datetime
    staff_id: int


class PublicBookingIn(Schema):
    service_id: Id
    start: Moment
    staff_id: Id | None = None
    first_name: str
    last_name: str
    email: str
    phone: str
    wishes: str = ""
    marketing_email: bool = False
    marketing_sms: bool = False
    series_card_code: str = Field("", max_length=30, description=(
        "The code of the visitor's series card for this service: the visit is prepaid by one of its visits, "
        "given back if the booking is cancelled (refusals: 422 series_card_unknown/void/expired/service, "
        "409 series_card_used_up). A secret: send it only in this body."))
    accept_payment: bool = Field(False, description=(
        "The visitor accepted the service's payment policy (prepayment, deposit or card guarantee), shown to them "
        "before booking; required when the service has one (422 payment_not_accepted). The amount and currency "
        "are the server's: nothing in the request sets them."))
    challenge: str = Field("", description="A challenge from GET /{booking_slug}/challenge, used once.")
    proof: str = Field("", description='A decimal nonce such that SHA-256 of "<challenge>:<proof>" starts with '
                                       "`bits` zero bits.")


class ChallengeOut(Schema):
    challenge: str
    bits: int
    expires_in: int


class PublicBookingOut(Schema):
    id: int
    start: datetime
    end: datetime
    staff_id: int
    manage_url: str
    state: str = Field("booked", description='"booked", or "pending" while the time is held for the payment.')
    payment_url: str | None = Field(None, description="The gateway's hosted payment page to send the visitor to.")
    hold_until: datetime | None = Field(None, description="The time is held until then; unpaid, it is freed.")
    payment_amount: Decimal | None = None
    payment_currency: str | None = None
    payment_kind: str | None = Field(None, description="prepayment, deposit or card_setup")


def _services(organization: Organization):
    return (Service.objects.for_organization(organization).filter(is_active=True, online_bookable=True)
            .prefetch_related("staff").order_by("name"))


def _service(organization: Organization, service_id: int) -> Service:
    return get_object_or_404(_services(organization), pk=service_id)


def _staff(organization: Organization, service: Service, staff_id: int | None) -> Resource | None:
    if staff_id is None:
        return None
    return get_object_or_404(service.staff.filter(organization=organization, kind=ResourceKind.STAFF,
                                                  is_active=True), pk=staff_id)


@router.get("/{booking_slug}/services", response={200: list[PublicServiceOut], **ERRORS})
def public_services(request: HttpRequest, booking_slug: str):
    return _services(public_organization(booking_slug, request))


@router.get("/{booking_slug}/availability", response={200: list[PublicSlotOut], **ERRORS})
def public_availability(request: HttpRequest, booking_slug: str, service: Id, start: Day, end: Day,
                        staff: Id | None = None):
    """Free start times (UTC) that a visitor may book, honouring the service's notice and advance limits."""
    organization = public_organization(booking_slug, request)
    if end < start or end - start > timedelta(days=MAX_DAYS):
        raise ApiError(422, "invalid", _("Choose at most %(days)d days, the end not before the start.")
                       % {"days": MAX_DAYS})
    chosen = _service(organization, service)
    return free_slots(chosen, start, end, staff=_staff(organization, chosen, staff))


@router.get("/{booking_slug}/challenge", response={200: ChallengeOut, **ERRORS})
def public_challenge(request: HttpRequest, booking_slug: str):
    """A proof-of-work challenge for one booking (valid for `expires_in` seconds, usable once)."""
    organization = public_organization(booking_slug, request)
    return {"challenge": booking_challenge(organization), "bits": settings.PUBLIC_WRITES_PROOF_BITS,
            "expires_in": settings.PUBLIC_WRITES_PROOF_SECONDS}


REFUSED_STATUS = {"throttled": 429, "busy": 429, "email_limit": 429, "proof_invalid": 422}


@router.post("/{booking_slug}/appointments", response={201: PublicBookingOut, **ERRORS})
def public_book(request: HttpRequest, booking_slug: str, payload: PublicBookingIn):
    organization = public_organization(booking_slug, request)
    ip = client_ip(request)
    try:
        check_public_booking(request=request, organization=organization, email=payload.email,
                             challenge=payload.challenge, proof=payload.proof)
    except WriteRefused as refused:
        raise ApiError(REFUSED_STATUS[refused.code], refused.code, refused.message) from None
    service = _service(organization, payload.service_id)
    booking = dict(organization=organization, service=service, staff=_staff(organization, service, payload.staff_id),
                   start=payload.start, person=payload.dict(), wishes=payload.wishes,
                   marketing_email=payload.marketing_email, marketing_sms=payload.marketing_sms, ip=ip,
                   language=public_language(request, organization))
    paid = {}
    if payload.series_card_code.strip():  # nothing booked when the card cannot pay (api.errors: 422 / 409)
        appointment = book_online_with_card(**booking, card_code=payload.series_card_code)
    elif policy_for(service) is not None and amount_due(policy_for(service), service) is not None:
        if not payload.accept_payment:
            raise ApiError(422, "payment_not_accepted", _("Accept the payment policy to continue to the payment."))
        appointment, payment, url = book_online_with_payment(**booking)  # 409 payment_gateway: nothing held
        paid = {"payment_url": url, "hold_until": appointment.hold_until, "payment_amount": payment.amount,
                "payment_currency": payment.currency, "payment_kind": payment.kind}
    else:
        appointment = book_online(**booking)  # a taken time: 409 (api.errors)
    manage = request.build_absolute_uri(reverse("public_booking:manage",
                                                args=[organization.slug, manage_token(appointment)]))
    return Status(201, {"id": appointment.pk, "start": appointment.start, "end": appointment.end,
                        "staff_id": appointment.staff_id, "manage_url": manage, "state": appointment.state,
                        **paid})
