"""Several tills at once: receipt numbers stay 1..N without gaps or duplicates, a card is never spent twice.

Real threads with their own database connections (transaction=True). Run also on PostgreSQL:
`bin/with-postgres .venv/bin/python -m pytest billing/tests/test_sales_concurrency.py`."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections

from billing.models import Sale, Voucher
from billing.sales import LineInput, TenderInput
from billing.tests.checkout_kit import make_counter, sell
from tilli.errors import Conflict

pytestmark = pytest.mark.django_db(transaction=True)


def run_in_threads(count: int, action) -> tuple[list, list]:
    results, errors = [], []
    start = threading.Barrier(count)

    def work():
        try:
            start.wait()
            results.append(action())
        except Exception as error:  # collected for the assertions
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=work) for _i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_parallel_sales_get_receipt_numbers_one_to_n(world):
    counter = make_counter(world)
    results, errors = run_in_threads(8, lambda: sell(counter).receipt_number)
    assert errors == []
    assert sorted(results) == list(range(1, 9))
    assert sorted(Sale.objects.values_list("receipt_number", flat=True)) == list(range(1, 9))


def test_a_gift_card_cannot_be_spent_twice_from_two_tills(world):
    counter = make_counter(world)
    sell(counter, lines=[LineInput(kind="gift_card", unit_price=Decimal("60.00"))],
         tenders=[TenderInput(method="card", amount=Decimal("60.00"))])
    code = Voucher.objects.get().code

    def redeem():
        return sell(counter, tenders=[TenderInput(method="gift_card", amount=Decimal("49.00"), code=code)])

    results, errors = run_in_threads(4, redeem)
    assert len(results) == 1
    assert len(errors) == 3 and all(isinstance(e, Conflict) and e.code == "card_balance" for e in errors)
    assert Voucher.objects.get().balance == Decimal("11.00")
    # the refused sales left no receipt numbers behind: the card's sale was 1, the one redemption 2
    assert sorted(Sale.objects.values_list("receipt_number", flat=True)) == [1, 2]
