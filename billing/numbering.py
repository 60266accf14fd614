"""Gapless document numbers: receipts per organization, invoices per organization and year."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from billing.models import DocumentCounter
from tenancy.models import Organization


def next_number(organization: Organization, series: str, year: int = 0) -> int:
    """The next number of `series`, taken inside the caller's transaction.

    The counter row stays locked (the UPDATE's row lock) until the caller commits or rolls back, so
    concurrent documents wait for each other and a rolled-back document leaves no gap. The first
    document of a series creates the row; if two create it at once, the loser retries the UPDATE."""
    if not connection.in_atomic_block:
        raise RuntimeError("next_number must run inside the transaction that stores the document")
    counters = DocumentCounter.objects.filter(organization=organization, series=series, year=year)
    for _attempt in range(2):
        if counters.update(last=F("last") + 1):
            return counters.values_list("last", flat=True).get()
        try:
            with transaction.atomic():
                DocumentCounter.objects.create(organization=organization, series=series, year=year, last=1)
            return 1
        except IntegrityError:
            continue
    raise RuntimeError("document counter could not be taken")
