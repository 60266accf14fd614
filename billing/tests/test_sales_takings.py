"""Takings count the counter's receipts (what was paid, credits subtracted) with the legacy payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Sale
from billing.sales import LineInput, RefundLine, TenderInput, sale_refund
from billing.selectors import takings
from billing.tests.checkout_kit import make_counter, sell
from tilli.test import legacy_payment, make_client

pytestmark = pytest.mark.django_db


def test_takings_add_receipts_subtract_credits_and_keep_legacy_payments(world):
    counter = make_counter(world)
    legacy_payment(organization=world.org, client=make_client(world.org), amount=Decimal("30.00"), method="card")
    sale = sell(counter, lines=[LineInput(kind="free", description="Clip", unit_price=Decimal("3.02"),
                                          vat_percent=Decimal("25.5"))],
                tenders=[TenderInput(method="cash", amount=Decimal("5.00"))])  # paid 3.00 after rounding
    sell(counter)  # 49.00 by card
    sale_refund(sale=sale, lines=[RefundLine(sale.lines.get(), Decimal(1))], reason="Broken", actor=counter.actor,
                tenders=[TenderInput(method="card", amount=Decimal("3.02"))])
    sell(make_counter(world, organization=world.other_org))  # another organization's money is not ours
    now = timezone.now()
    assert takings(world.org, now - dt.timedelta(hours=1), now + dt.timedelta(hours=1)) == [
        ("EUR", Decimal("78.98"), 4)]  # 30.00 + 3.00 + 49.00 − 3.02, in four documents
    assert Sale.objects.filter(organization=world.org).count() == 3
