"""Retention: the registry's periods applied on a schedule, with a dry run that only counts.

Each rule is one retention period of the registry, read from it (`period_of`): a rule here says
which rows and from which date, never how long. Clients inactive for the organization's
period are erased through the same erasure walk as a request (so what the law keeps is
kept, restricted); logs, links, exports, accounting and patient records are deleted when
their own periods end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from kernel.audit import Actor
from kernel.registry import Retention, registry
from privacy.models import DataExport, DataSubjectRequest, ExportStatus, RequestStatus


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
    """Clients with no visit, booking, payment or purchase, sign-in, change or open request within their
    organization's period (a gift or series card still valid counts as a current relationship)."""
    from billing.models import Payment, Sale, Voucher
    from booking.models import Appointment
    from clients.models import RETENTION_CUSTOMER, Client, Visit
    from tenancy.models import Organization

    for organization in Organization.objects.order_by("pk"):
        cutoff = now - dt.timedelta(days=RETENTION_CUSTOMER.period_days(organization))
        recent = {
            "appointment": Appointment.objects.filter(client=OuterRef("pk"), start__gte=cutoff),
            "visit": Visit.objects.filter(client=OuterRef("pk"), visited_at__gte=cutoff),
            "payment": Payment.objects.filter(client=OuterRef("pk"), paid_at__gte=cutoff),
            "sale": Sale.objects.filter(client=OuterRef("pk"), completed_at__gte=cutoff),
            "card": Voucher.objects.filter(client=OuterRef("pk"), voided_at=None, expires_on__gte=now.date()),
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


def period_of(model) -> Retention:
    """The retention rule the registry states for `model`'s personal fields: the one place its period lives.

    Every rule here deletes whole rows, so a model's fields must agree on one period.
    """
    rules = {pf.retention.code: pf.retention for pf in registry.get(model).fields.values()
             if pf.retention.period_days() is not None or pf.retention.years_after_year_end is not None}
    if len(rules) != 1:
        raise ImproperlyConfigured(f"{model._meta.label} states {len(rules)} retention periods; the job needs one.")
    return next(iter(rules.values()))


def _older_than(model, date_field: str, now: dt.datetime, **extra) -> QuerySet:
    """Rows whose `date_field` lies further back than the registry's period for `model`."""
    days = period_of(model).period_days()
    return model._default_manager.filter(**{f"{date_field}__lt": now - dt.timedelta(days=days)}, **extra)


def _statutory(model, date_field: str, now: dt.datetime) -> QuerySet:
    """Rows past a statutory period counted in years from the end of the year of `date_field`, per country,
    or past the `restricted_until` day an erasure set from the same period."""
    today = timezone.localdate(now)
    q = Q(restricted_until__lt=today)
    for country, years in period_of(model).years_after_year_end.items():
        first_kept = dt.datetime(today.year - years, 1, 1, tzinfo=dt.UTC)
        q |= Q(organization__country=country, **{f"{date_field}__lt": first_kept})
    return model._default_manager.filter(q)


def _expired_receipts(now: dt.datetime, dry_run: bool) -> int:
    """Receipts past the accounting period (from the end of the year of the sale, per country) or past the day an
    erasure set. A credit receipt goes first (it points at its original); an original whose credit receipt is
    still kept waits for it. Their lines and payments go with them."""
    from billing.models import Sale, SaleKind

    old = _statutory(Sale, "completed_at", now)
    kept = Sale.objects.exclude(pk__in=old.values("pk"))
    count = _delete(old.filter(kind=SaleKind.CREDIT), dry_run)
    return count + _delete(old.filter(kind=SaleKind.SALE).exclude(credits__in=kept), dry_run)


def _expired_cards(now: dt.datetime) -> QuerySet:
    """Gift and series cards past the accounting period of their sale, once no kept receipt names them."""
    from billing.models import Voucher

    return (_statutory(Voucher, "issued_at", now).filter(expires_on__lt=now.date())
            .exclude(sale_lines__isnull=False).exclude(tenders__isnull=False))


def _expired_exports(now: dt.datetime) -> QuerySet:
    """Exports whose link has expired, and ones that never became ready within the link's period."""
    stale = _older_than(DataExport, "created_at", now, status__in=(ExportStatus.FAILED, ExportStatus.QUEUED))
    return DataExport.objects.filter(Q(expires_at__lt=now) | Q(pk__in=stale.values("pk")))


@dataclass(frozen=True)
class Rule:
    code: str
    model: type
    apply: Callable[[dt.datetime, bool, Callable[[], None]], int]


def _rules() -> list[Rule]:
    from billing.models import Payment, Sale, Voucher
    from clients.models import Client, ClientRecord, ClientSignIn, PortalLoginToken
    from notify.models import Message

    return [
        Rule("inactive_clients", Client, lambda now, dry, tick: _erase_inactive(now, dry, tick)),
        Rule("portal_sign_ins", ClientSignIn,
             lambda now, dry, tick: _delete(_older_than(ClientSignIn, "at", now), dry)),
        Rule("portal_links", PortalLoginToken,
             lambda now, dry, tick: _delete(_older_than(PortalLoginToken, "expires_at", now), dry)),
        Rule("expired_exports", DataExport, lambda now, dry, tick: _delete(_expired_exports(now), dry)),
        Rule("accounting_records", Payment, lambda now, dry, tick: _delete(_statutory(Payment, "paid_at", now), dry)),
        Rule("receipts", Sale, lambda now, dry, tick: _expired_receipts(now, dry)),
        Rule("cards", Voucher, lambda now, dry, tick: _delete(_expired_cards(now), dry)),
        Rule("patient_records", ClientRecord,
             lambda now, dry, tick: _delete(ClientRecord.objects.filter(restricted_until__lt=timezone.localdate(now)),
                                            dry)),
        Rule("messages", Message, lambda now, dry, tick: _delete(_older_than(Message, "created_at", now), dry)),
        Rule("closed_requests", DataSubjectRequest,
             lambda now, dry, tick: _delete(_older_than(DataSubjectRequest, "closed_at", now), dry)),
    ]


def _describe(rule: Rule) -> str:
    """The rule in words, from the registry (the inactive clients' period is each organization's own)."""
    if rule.code == "inactive_clients":
        return "Clients inactive for their organization's period: erased, except what the law keeps"
    retention = period_of(rule.model)
    years = ", ".join(f"{country} {n}" for country, n in sorted((retention.years_after_year_end or {}).items()))
    return retention.text() + (f" (years after the year's end: {years})" if years else "")


def run_retention(*, now: dt.datetime | None = None, dry_run: bool = True,
                  progress: Callable[[str], Callable[[], None]] | None = None) -> RetentionReport:
    """Apply (or with dry_run only count) every retention rule; returns counts per rule."""
    now = now or timezone.now()
    report = RetentionReport(dry_run=dry_run)
    for rule in _rules():
        tick = progress(rule.code) if progress else (lambda: None)
        report.results.append(RuleResult(rule.code, _describe(rule), rule.apply(now, dry_run, tick)))
    return report
