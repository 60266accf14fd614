"""The till page of a location (open, cash in and out, close) and the Z and X reports, printable and as PDF."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.models import CashMovementKind, TenderMethod, TillSession
from billing.till import cash_move, open_session, session_figures, till_close, till_for_location, till_open
from booking.models import Location
from kernel.audit import actor_for_request
from tenancy.access import get_for_member, require_perm, scoped
from tenancy.roles import Perm
from web.form_errors import apply_errors
from web.till_forms import CashMoveForm, TillCloseForm, TillOpenForm

METHOD_LABELS = dict(TenderMethod.choices)
MOVEMENT_LABELS = dict(CashMovementKind.choices)


def _can_read_reports(request: HttpRequest) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and (membership.has_perm(Perm.OPERATE_TILL)
                                       or membership.has_perm(Perm.VIEW_SALES_REPORTS))


def tills(request: HttpRequest) -> HttpResponse:
    """The locations and their tills; with one location, its till page at once."""
    require_perm(request, Perm.OPERATE_TILL)
    locations = list(scoped(request, Location).filter(is_active=True).order_by("name"))
    if len(locations) == 1:
        return redirect("web:till", org_slug=request.organization.slug, location_id=locations[0].pk)
    rows = [(location, open_session(till_for_location(request.organization, location))) for location in locations]
    return render(request, "web/till/list.html", {"rows": rows})


def _location(request: HttpRequest, location_id: int) -> Location:
    return get_for_member(request, Location, perm=Perm.OPERATE_TILL, pk=location_id)


def till_page(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _location(request, location_id)
    till = till_for_location(request.organization, location)
    session = open_session(till)
    return _render_till(request, location, session)


def _render_till(request: HttpRequest, location: Location, session: TillSession | None, *, open_form=None,
                 move_form=None, close_form=None, status: int = 200) -> HttpResponse:
    till = till_for_location(request.organization, location)
    closed = []
    if till is not None:
        closed = list(scoped(request, TillSession).filter(till=till).exclude(closed_at=None)
                      .order_by("-closed_at")[:20])
    zone = ZoneInfo(location.time_zone)
    context = {
        "location": location, "session": session, "closed": [(s, s.closed_at.astimezone(zone)) for s in closed],
        "open_form": open_form or TillOpenForm(), "move_form": move_form or CashMoveForm(),
        "close_form": close_form or TillCloseForm(),
        "x": report_context(session, zone) if session else None,
    }
    return render(request, "web/till/till.html", context, status=status)


@require_POST
def till_open_view(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _location(request, location_id)
    form = TillOpenForm(request.POST)
    if form.is_valid():
        try:
            till_open(organization=request.organization, location=location, actor=actor_for_request(request),
                      opening_float=form.cleaned_data["opening_float"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The till is open."))
            return redirect("web:till", org_slug=request.organization.slug, location_id=location.pk)
    return _render_till(request, location, open_session(till_for_location(request.organization, location)),
                        open_form=form, status=422)


def _open_session_or_404(request: HttpRequest, location: Location) -> TillSession:
    session = open_session(till_for_location(request.organization, location))
    if session is None:
        raise Http404
    return session


@require_POST
def till_cash_view(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _location(request, location_id)
    form = CashMoveForm(request.POST)
    session = open_session(till_for_location(request.organization, location))
    if form.is_valid() and session is not None:
        try:
            cash_move(organization=request.organization, session=session, actor=actor_for_request(request),
                      **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Cash movement recorded."))
            return redirect("web:till", org_slug=request.organization.slug, location_id=location.pk)
    elif session is None:
        form.add_error(None, _("The till is not open."))
    return _render_till(request, location, session, move_form=form, status=422)


@require_POST
def till_close_view(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _location(request, location_id)
    form = TillCloseForm(request.POST)
    session = open_session(till_for_location(request.organization, location))
    if form.is_valid() and session is not None:
        try:
            closed = till_close(organization=request.organization, session=session,
                                actor=actor_for_request(request), **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The till is closed: Z report %(number)s.") % {"number": closed.z_number})
            return redirect("web:z_report", org_slug=request.organization.slug, session_id=closed.pk)
    elif session is None:
        form.add_error(None, _("The till is not open."))
    return _render_till(request, location, session, close_form=form, status=422)


def report_context(session: TillSession, zone: ZoneInfo) -> dict[str, Any]:
    """The figures of a session with labels, for the page and the PDF: frozen (Z) or current (X)."""
    figures = session.z_figures if session.closed_at else session_figures(session)
    payments = [{"label": METHOD_LABELS.get(row["method"], row["method"]), **row} for row in figures["payments"]]
    movements = [{"label": MOVEMENT_LABELS.get(row["kind"], row["kind"]), **row,
                  "time": datetime.fromisoformat(row["at"]).astimezone(zone)} for row in figures["cash_movements"]]
    return {"figures": figures, "payments": payments, "movements": movements,
            "opened": datetime.fromisoformat(figures["opened_at"]).astimezone(zone),
            "closed": datetime.fromisoformat(figures["closed_at"]).astimezone(zone) if figures.get("closed_at")
            else None,
            "payments_total": sum((Decimal(p["amount"]) for p in figures["payments"]), Decimal("0.00")),
            "is_z": bool(session.closed_at)}


def _session(request: HttpRequest, session_id: int) -> TillSession:
    if not _can_read_reports(request):
        raise Http404
    try:
        return scoped(request, TillSession).select_related("till__location").get(pk=session_id)
    except TillSession.DoesNotExist:
        raise Http404 from None


def z_report(request: HttpRequest, session_id: int) -> HttpResponse:
    """The Z report of a closed session, or the X report (current figures) of an open one; print CSS."""
    session = _session(request, session_id)
    zone = ZoneInfo(session.till.location.time_zone)
    return render(request, "web/till/z_report.html", {"session": session, "location": session.till.location,
                                                      **report_context(session, zone)})


def z_report_pdf(request: HttpRequest, session_id: int) -> HttpResponse:
    from weasyprint import HTML

    session = _session(request, session_id)
    if session.closed_at is None:
        raise Http404
    zone = ZoneInfo(session.till.location.time_zone)
    html = render_to_string("web/till/z_report_pdf.html", {
        "session": session, "location": session.till.location, "organization": request.organization,
        **report_context(session, zone)}, request=request)
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="z-report-{session.z_number}.pdf"'
    return response
