"""Document numbers: consecutive per series (and year), separate per organization, no gap on rollback."""

from __future__ import annotations

import pytest
from django.db import transaction

from billing.models import DocumentSeries
from billing.numbering import next_number


@pytest.mark.django_db
def test_numbers_run_per_series_year_and_organization(world):
    with transaction.atomic():
        assert [next_number(world.org, DocumentSeries.RECEIPT) for _i in range(3)] == [1, 2, 3]
        assert next_number(world.org, DocumentSeries.INVOICE, 2026) == 1
        assert next_number(world.org, DocumentSeries.INVOICE, 2027) == 1
        assert next_number(world.other_org, DocumentSeries.RECEIPT) == 1


@pytest.mark.django_db
def test_a_rolled_back_document_gives_its_number_back(world):
    with transaction.atomic():
        next_number(world.org, DocumentSeries.RECEIPT)
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number(world.org, DocumentSeries.RECEIPT)
        raise RuntimeError("the sale failed")
    with transaction.atomic():
        assert next_number(world.org, DocumentSeries.RECEIPT) == 2


@pytest.mark.django_db(transaction=True)
def test_a_number_outside_a_transaction_is_refused(world):
    with pytest.raises(RuntimeError):
        next_number(world.org, DocumentSeries.RECEIPT)
