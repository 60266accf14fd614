"""/api/v1/booking-page: the owner reads and changes how the public booking page presents the business.

Pictures are uploaded in the panel (they are re-encoded there); the API reports their public addresses.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema

from api.auth import require
from api.errors import ErrorOut
from booking.page import booking_page_update
from booking.showcase import booking_page_for
from kernel.audit import actor_for_request
from kernel.models import ActorKind
from tenancy.roles import Perm

router = Router(tags=["booking page"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class BookingPageOut(Schema):
    url: str
    accent_colour: str
    accent_text_colour: str
    description: dict[str, str]
    embed_origin: str
    logo_url: str | None
    cover_url: str | None
    saved_at: datetime | None


class BookingPagePatch(Schema):
    accent_colour: str | None = None
    accent_text_colour: str | None = None
    description: dict[str, str] | None = None
    embed_origin: str | None = None


def _out(organization) -> dict:
    page = booking_page_for(organization)
    site = settings.SITE_URL.rstrip("/")

    def picture(name: str) -> str | None:
        return site + reverse("public_booking:media", args=[organization.slug, name]) if name else None

    return {"url": site + reverse("public_booking:services", args=[organization.slug]),
            "accent_colour": page.accent_colour, "accent_text_colour": page.accent_text_colour,
            "description": page.description or {}, "embed_origin": page.embed_origin,
            "logo_url": picture(page.logo), "cover_url": picture(page.cover), "saved_at": page.saved_at}


@router.get("/booking-page", response={200: BookingPageOut, **ERRORS})
def booking_page_read(request: HttpRequest):
    require(request, Perm.MANAGE_BOOKING_PAGE)
    return _out(request.organization)


@router.patch("/booking-page", response={200: BookingPageOut, **ERRORS})
def booking_page_patch(request: HttpRequest, payload: BookingPagePatch):
    """Change the colours (checked for contrast), the description per language or the embedding website."""
    require(request, Perm.MANAGE_BOOKING_PAGE)
    booking_page_update(organization=request.organization, actor=actor_for_request(request, kind=ActorKind.API),
                        **payload.dict(exclude_unset=True, exclude_none=True))
    return _out(request.organization)
