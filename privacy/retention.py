"""Retention: the registry's periods applied on a schedule, with a dry run that only counts.

Each rule is one retention period of the registry. Clients inactive for the organization's
period are erased through the same erasure walk as a request (so what the law keeps is
kept, restricted); logs, links, exports, accounting and patient records are deleted when
their own periods end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from privacy.audit import Actor
from privacy.models import RETENTION_REQUEST, DataExport, DataSubjectRequest, ExportStatus, RequestStatus


@dataclass
class RuleResult:
    code: str
    description: str
    count: int


@dataclass
class RetentionReport:
    dry_run: bool
    results: list[RuleResult] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {r.code: r.count for r in self.results}


def _inactive_clients(now: dt.datetime):
    """Clients with no visit, booking, payment, sign-in, change or open request within their organization's period."""
    from billing.models import Payment
    from booking.models import Appointment
    from clients.models import Client, Visit
    from tenancy.models import Organization

    for organization in Organization.objects.order_by("pk"):
        cutoff = now - dt.timedelta(days=365 * organization.inactive_client_years)
        recent = {
            "appointment": Appointment.objects.filter(client=OuterRef("pk"), start__gte=cutoff),
            "visit": Visit.objects.filter(client=OuterRef("pk"), visited_at__gte=cutoff),
            "payment": Payment.objects.filter(client=OuterRef("pk"), paid_at__gte=cutoff),
            "request": DataSubjectRequest.objects.filter(client=OuterRef("pk"),
                                                         status__in=(RequestStatus.OPEN, RequestStatus.EXTENDED)),
        }
        clients = (Client.objects.for_organization(organization)
                   .filter(created_at__lt=cutoff, updated_at__lt=cutoff, restricted_at=None)
                   .filter(Q(portal_last_login=None) | Q(portal_last_login__lt=cutoff)))
        for query in recent.values():
            clients = clients.exclude(Exists(query))
        yield from clients.select_related("organization").order_by("pk")


def _erase_inactive(now: dt.datetime, dry_run: bool, tick: Callable[[], None]) -> int:
    from privacy.erasure import erase_client

    count = 0
    for client in _inactive_clients(now):
        if not dry_run:
            erase_client(client=client, actor=Actor.system("retention"), now=now)
        count += 1
        tick()
    return count


def _delete(queryset, dry_run: bool) -> int:
    if dry_run:
        return queryset.count()
    deleted = 0
    for pk_batch in _batches(queryset.values_list("pk", flat=True)):
        counts = queryset.model._default_manager.filter(pk__in=pk_batch).delete()[1]
        deleted += counts.get(queryset.model._meta.label, 0)
    return deleted


def _batches(pks, size: int = 1000):
    """A queryset of ids in lists of `size`, read in chunks."""
    batch: list[int] = []
    for pk in pks.iterator(chunk_size=size):
        batch.append(pk)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _accounting(now: dt.datetime):
    """Payments whose statutory period (years after the end of the year of payment) has ended."""
    from billing.models import RETENTION_ACCOUNTING, Payment

    today = timezone.localdate(now)
    q = Q(restricted_until__lt=today)
    for country, years in RETENTION_ACCOUNTING.years_after_year_end.items():
        first_kept = dt.datetime(today.year - years, 1, 1, tzinfo=dt.UTC)
        q |= Q(organization__country=country, paid_at__lt=first_kept)
    return Payment.objects.filter(q)


def _rules(now: dt.datetime) -> list[tuple[str, Callable[[bool, Callable[[], None]], int]]]:
    from clients.models import ClientRecord, ClientSignIn, PortalLoginToken
    from notify.models import RETENTION_MESSAGES, Message

    sign_in_days = settings.SECURITY_LOG_RETENTION_DAYS
    today = timezone.localdate(now)
    return [
        ("inactive_clients", lambda dry, tick: _erase_inactive(now, dry, tick)),
        ("portal_sign_ins", lambda dry, tick: _delete(
            ClientSignIn.objects.filter(at__lt=now - dt.timedelta(days=sign_in_days)), dry)),
        ("portal_links", lambda dry, tick: _delete(
            PortalLoginToken.objects.filter(expires_at__lt=now - dt.timedelta(days=1)), dry)),
        ("expired_exports", lambda dry, tick: _delete(DataExport.objects.filter(
            Q(expires_at__lt=now) | Q(status__in=(ExportStatus.FAILED, ExportStatus.QUEUED),
                                      created_at__lt=now - dt.timedelta(days=settings.EXPORT_LINK_DAYS))), dry)),
        ("accounting_records", lambda dry, tick: _delete(_accounting(now), dry)),
        ("patient_records", lambda dry, tick: _delete(
            ClientRecord.objects.filter(restricted_until__lt=today), dry)),
        ("messages", lambda dry, tick: _delete(Message.objects.filter(
            created_at__lt=now - dt.timedelta(days=RETENTION_MESSAGES.period_days())), dry)),
        ("closed_requests", lambda dry, tick: _delete(DataSubjectRequest.objects.filter(
            closed_at__lt=now - dt.timedelta(days=RETENTION_REQUEST.period_days())), dry)),
    ]


RULE_DESCRIPTIONS = {
    "inactive_clients": "Clients inactive for the organization's period (default 3 years): erased, except what "
                        "the law keeps",
    "portal_sign_ins": "Portal sign-ins and their IP addresses older than SECURITY_LOG_RETENTION_DAYS",
    "portal_links": "Portal sign-in links a day after they expired",
    "expired_exports": "Data exports whose download link has expired",
    "accounting_records": "Receipts past their statutory period (6 years FI, 5 years PL after the year's end)",
    "patient_records": "Patient records kept after erasure, once their statutory period has ended",
    "messages": "Emails and SMS two years after they were created",
    "closed_requests": "Data-subject requests three years after they were answered",
}


def run_retention(*, now: dt.datetime | None = None, dry_run: bool = True,
                  progress: Callable[[str], Callable[[], None]] | None = None) -> RetentionReport:
    """Apply (or with dry_run only count) every retention rule; returns counts per rule."""
    now = now or timezone.now()
    report = RetentionReport(dry_run=dry_run)
    for code, rule in _rules(now):
        tick = progress(code) if progress else (lambda: None)
        report.results.append(RuleResult(code, RULE_DESCRIPTIONS[code], rule(dry_run, tick)))
    return report
