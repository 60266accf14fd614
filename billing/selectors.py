"""Reading payments for reports: sums only, so a figure never shows who paid."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Sum

from billing.models import Payment
from tenancy.models import Organization


def takings(organization: Organization, start: datetime, end: datetime) -> list[tuple[str, Decimal, int]]:
    """The payments recorded as paid in [start, end): (currency, total, count) per currency.

    Receipts kept restricted after a client's erasure still count: the money was taken, and a sum
    names nobody.
    """
    rows = (Payment.objects.for_organization(organization).filter(paid_at__gte=start, paid_at__lt=end)
            .values("currency").annotate(amount=Sum("amount"), count=Count("pk")).order_by("currency"))
    cent = Decimal("0.01")
    return [(row["currency"], Decimal(row["amount"]).quantize(cent), row["count"]) for row in rows]
