"""What the operator's console reads: organizations with their plan, status and usage.

Counts only: the console never shows a client's (or a staff member's) personal data to the operator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from booking.models import Appointment
from clients.models import Client
from console.models import ContractEnd, OperatorAction, OperatorEvent
from privacy.models import DataExport
from tenancy.models import Membership, Organization, SupportAccess


@dataclass(frozen=True)
class Usage:
    staff: int
    clients: int
    appointments_this_month: int
    export_bytes: int


def _month_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _count(model, **filters) -> Subquery:
    rows = (model.objects.filter(organization=OuterRef("pk"), **filters).order_by()
            .values("organization").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows), 0)


def organizations(*, search: str = "", status: str = "", now: datetime | None = None) -> QuerySet[Organization]:
    """Organizations by name, with `staff`, `clients`, `appointments_this_month` and `export_bytes` counted
    in the database (one query), filtered by a name, short name or business ID fragment and a status."""
    start = _month_start(now or timezone.now())
    exports = (DataExport.objects.filter(organization=OuterRef("pk")).order_by().values("organization")
               .annotate(total=Sum("size")).values("total"))
    archive = ContractEnd.objects.filter(organization=OuterRef("pk")).values("archive_size")[:1]
    queryset = Organization.objects.annotate(
        staff=_count(Membership, is_active=True),
        clients=_count(Client),
        appointments_this_month=_count(Appointment, start__gte=start),
        export_bytes=Coalesce(Subquery(exports), 0) + Coalesce(Subquery(archive), 0),
    ).order_by("name", "pk")
    if search.strip():
        term = search.strip()
        queryset = queryset.filter(Q(name__icontains=term) | Q(slug__icontains=term) | Q(business_id__icontains=term))
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def usage(organization: Organization) -> Usage:
    row = organizations().get(pk=organization.pk)
    return Usage(row.staff, row.clients, row.appointments_this_month, row.export_bytes)


def deleted_organizations() -> QuerySet[OperatorEvent]:
    """What the operator keeps of deleted organizations: the operator-log row of each deletion."""
    return OperatorEvent.objects.filter(action=OperatorAction.DELETE)


def operator_log(organization_id: int | None = None) -> QuerySet[OperatorEvent]:
    events = OperatorEvent.objects.all()
    return events.filter(organization_id=organization_id) if organization_id is not None else events


def support_accesses(organization: Organization) -> QuerySet[SupportAccess]:
    return (SupportAccess.objects.for_organization(organization).select_related("operator")
            .order_by("-starts_at"))


def contract_end(organization: Organization) -> ContractEnd | None:
    return ContractEnd.objects.for_organization(organization).first()
