"""/api/v1/till: open a location's till, cash in and out, close it (the Z report), read sessions and figures."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from api.auth import require
from api.errors import ApiError, ErrorOut
from api.pagination import BoundedLimitOffset
from api.types import Id
from billing.models import TillSession
from billing.till import cash_move, session_figures, till_close, till_open
from booking.models import Location
from kernel.audit import actor_for_request
from kernel.models import ActorKind
from tenancy.access import scoped
from tenancy.roles import Perm

router = Router(tags=["till"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Amount = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)]


class OpenIn(Schema):
    location_id: Id
    opening_float: Amount = Field(description="Cash in the drawer at opening.")


class CashIn(Schema):
    kind: Literal["in", "out"]
    amount: Annotated[Decimal, Field(gt=0, max_digits=10, decimal_places=2)]
    reason: str = Field(min_length=1, max_length=200)


class CloseIn(Schema):
    counted_cash: Amount = Field(description="Cash counted in the drawer at closing.")
    note: str = Field("", max_length=300)


class SessionOut(Schema):
    id: int
    location_id: int
    opened_at: datetime
    opening_float: Decimal
    closed_at: datetime | None
    counted_cash: Decimal | None
    expected_cash: Decimal | None
    difference: Decimal | None
    z_number: int | None
    figures: dict[str, Any] = Field(description="The Z report's figures (frozen at closing) or, while open, the "
                                                "X report's (current).")

    @staticmethod
    def resolve_location_id(obj: TillSession) -> int:
        return obj.till.location_id

    @staticmethod
    def resolve_figures(obj: TillSession) -> dict[str, Any]:
        return obj.z_figures if obj.closed_at else session_figures(obj)


class SessionBriefOut(Schema):
    id: int
    location_id: int
    opened_at: datetime
    closed_at: datetime | None
    z_number: int | None
    difference: Decimal | None

    @staticmethod
    def resolve_location_id(obj: TillSession) -> int:
        return obj.till.location_id


def _read(request: HttpRequest) -> None:
    if not (request.membership.has_perm(Perm.OPERATE_TILL) or request.membership.has_perm(Perm.VIEW_SALES_REPORTS)):
        require(request, Perm.OPERATE_TILL)


def _session(request: HttpRequest, session_id: int) -> TillSession:
    session = scoped(request, TillSession).select_related("till", "organization").filter(pk=session_id).first()
    if session is None:
        raise ApiError(404, "not_found", _("Not found."))
    return session


def _actor(request: HttpRequest):
    return actor_for_request(request, kind=ActorKind.API)


@router.get("/till/sessions", response={200: list[SessionBriefOut], **ERRORS})
@paginate(BoundedLimitOffset)
def sessions_list(request: HttpRequest, location_id: int | None = None, closed: bool | None = None):
    """Till sessions, newest first; `closed=true` lists the Z reports."""
    _read(request)
    sessions = scoped(request, TillSession).select_related("till").order_by("-opened_at", "-pk")
    if location_id is not None:
        sessions = sessions.filter(till__location_id=location_id)
    if closed is not None:
        sessions = sessions.filter(closed_at__isnull=not closed)
    return sessions


@router.post("/till/sessions", response={201: SessionOut, **ERRORS})
def sessions_open(request: HttpRequest, payload: OpenIn):
    """Open the location's till with a float (409 `till_already_open` if it is open)."""
    require(request, Perm.OPERATE_TILL)
    location = scoped(request, Location).filter(pk=payload.location_id).first()
    if location is None:
        raise ApiError(404, "not_found", _("Not found."))
    session = till_open(organization=request.organization, location=location, opening_float=payload.opening_float,
                        actor=_actor(request))
    return Status(201, session)


@router.get("/till/sessions/{session_id}", response={200: SessionOut, **ERRORS})
def sessions_read(request: HttpRequest, session_id: Id):
    _read(request)
    return _session(request, session_id)


@router.post("/till/sessions/{session_id}/cash", response={201: SessionOut, **ERRORS})
def sessions_cash(request: HttpRequest, session_id: Id, payload: CashIn):
    """Cash put into or taken out of the open till, with a reason (409 `till_not_open` once closed)."""
    require(request, Perm.OPERATE_TILL)
    session = _session(request, session_id)
    cash_move(organization=request.organization, session=session, kind=payload.kind, amount=payload.amount,
              reason=payload.reason, actor=_actor(request))
    return Status(201, _session(request, session_id))


@router.post("/till/sessions/{session_id}/close", response={200: SessionOut, **ERRORS})
def sessions_close(request: HttpRequest, session_id: Id, payload: CloseIn):
    """Close with the counted cash: expected, difference and the numbered Z report (409 if already closed)."""
    require(request, Perm.OPERATE_TILL)
    session = _session(request, session_id)
    return till_close(organization=request.organization, session=session, counted_cash=payload.counted_cash,
                      note=payload.note, actor=_actor(request))
