"""Reading payments for reports: sums only, so a figure never shows who paid."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Count, F, Sum

from billing.models import Payment, Sale
from tenancy.models import Organization


def takings(organization: Organization, start: datetime, end: datetime) -> list[tuple[str, Decimal, int]]:
    """The money taken in [start, end): (currency, total, count of receipts) per currency.

    The counter's receipts (what was paid: the total with its cash rounding; credit receipts subtract) and
    the payments recorded by hand before the counter both count. Receipts kept restricted after a client's
    erasure still count: the money was taken, and a sum names nobody.
    """
    sums: dict[str, list] = {}
    payments = (Payment.objects.for_organization(organization).filter(paid_at__gte=start, paid_at__lt=end)
                .values("currency").annotate(amount=Sum("amount"), count=Count("pk")))
    sales = (Sale.objects.for_organization(organization).filter(completed_at__gte=start, completed_at__lt=end)
             .values("currency").annotate(amount=Sum(F("total") + F("rounding")), count=Count("pk")))
    for row in [*payments, *sales]:
        entry = sums.setdefault(row["currency"], [Decimal(0), 0])
        entry[0] += Decimal(row["amount"] or 0)
        entry[1] += row["count"]
    cent = Decimal("0.01")
    return [(currency, amount.quantize(cent), count) for currency, (amount, count) in sorted(sums.items())]
