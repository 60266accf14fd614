"""A client's timeline on the client page: what is coming, and what happened, in one list.

Upcoming appointments come first, soonest first. Then the history, newest first: past
appointments with their states, recorded visits and (for roles that see payments) payments,
merged by time. Each shown appointment is written to the access log (appointments are
audited reads), as the calendar does. The history shows the newest entries; the full lists
of visits and payments stay in their own sections below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from billing.models import Payment
from billing.sale_selectors import ReceiptRow, client_receipts
from booking.models import Appointment
from clients.models import Client, Visit
from kernel.audit import actor_for_request, record_many
from kernel.models import AuditAction
from tenancy.access import scoped
from tenancy.roles import Perm

HISTORY_SHOWN = 30
UPCOMING_SHOWN = 20


@dataclass
class Entry:
    kind: str  # "appointment", "visit", "payment" (recorded by hand before the counter) or "sale" (a receipt)
    at: datetime
    item: Appointment | Visit | Payment | ReceiptRow
    book_again_url: str = ""


def book_url(request: HttpRequest, client: Client, appointment: Appointment | None = None) -> str:
    """The staff booking form with the client chosen (and the appointment's service and staff, to book again)."""
    query = {"client": client.pk}
    if appointment is not None:
        query |= {"service": appointment.service_id, "staff": appointment.staff_id}
    return reverse("web:calendar_new", kwargs={"org_slug": request.organization.slug}) + "?" + urlencode(query)


def client_timeline(request: HttpRequest, client: Client, *, now: datetime | None = None) -> dict:
    membership = request.membership
    now = now or timezone.now()
    can_book = membership.has_perm(Perm.BOOK_APPOINTMENTS) and not client.is_restricted
    upcoming: list[Entry] = []
    history: list[Entry] = []
    if membership.has_perm(Perm.VIEW_CALENDAR):
        rows = scoped(request, Appointment).filter(client=client).select_related("service", "staff", "location")
        soon = list(rows.filter(start__gte=now).order_by("start", "pk")[:UPCOMING_SHOWN])
        past = list(rows.filter(start__lt=now).order_by("-start", "-pk")[:HISTORY_SHOWN])
        shown = soon + past
        if shown:
            record_many(organization=request.organization, actor=actor_for_request(request), action=AuditAction.VIEW,
                        object_type=Appointment._meta.label_lower,
                        subjects=[(str(a.pk), client.subject_ref) for a in shown], detail={"via": "client page"})
        upcoming = [Entry("appointment", a.start, a) for a in soon]
        for appointment in past:  # "book again": the same service with the same person, from what happened
            again = book_url(request, client, appointment) if can_book and appointment.staff.is_active \
                and appointment.service.is_active else ""
            history.append(Entry("appointment", appointment.start, appointment, again))
    history += [Entry("visit", v.visited_at, v) for v in scoped(request, Visit).filter(client=client)
                .select_related("practitioner__user").order_by("-visited_at", "-pk")[:HISTORY_SHOWN]]
    if membership.has_perm(Perm.VIEW_PAYMENTS):
        history += [Entry("payment", r.at, r.payment) if r.payment else Entry("sale", r.at, r)
                    for r in client_receipts(request.organization, client, limit=HISTORY_SHOWN)]
    history.sort(key=lambda entry: entry.at, reverse=True)
    return {"upcoming": upcoming, "history": history[:HISTORY_SHOWN],
            "book_url": book_url(request, client) if can_book else "",
            "shows_appointments": membership.has_perm(Perm.VIEW_CALENDAR)}
