"""Takings: the sum of recorded payments in a period, per currency, of one organization only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing.selectors import takings
from kernel.audit import Actor
from tilli.test import legacy_payment as payment_record
from tilli.test import make_client

SYSTEM = Actor.system("test")
START = dt.datetime(2030, 1, 14, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_takings_sum_the_payments_made_in_the_period_per_currency(world):
    client = make_client(world.org)
    for amount, paid_at, currency in (("35.00", START, ""), ("12.50", START + dt.timedelta(hours=5), ""),
                                      ("20.00", START + dt.timedelta(hours=6), "PLN"),
                                      ("99.00", START - dt.timedelta(seconds=1), ""),  # the day before
                                      ("77.00", START + dt.timedelta(days=1), "")):  # the period's end is open
        payment_record(organization=world.org, client=client, amount=Decimal(amount), method="card", actor=SYSTEM,
                       paid_at=paid_at, currency=currency)
    payment_record(organization=world.other_org, client=make_client(world.other_org), amount=Decimal("500"),
                   method="cash", actor=SYSTEM, paid_at=START)
    assert takings(world.org, START, START + dt.timedelta(days=1)) == [
        ("EUR", Decimal("47.50"), 2), ("PLN", Decimal("20.00"), 1)]
    assert takings(world.org, START + dt.timedelta(days=2), START + dt.timedelta(days=3)) == []
