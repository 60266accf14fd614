"""Receipts and cards in the client's export; kept restricted after erasure for the accounting period."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import Sale, SaleLine, Voucher
from billing.sales import LineInput, TenderInput
from billing.tests.checkout_kit import make_counter, sell
from kernel.audit import Actor
from privacy.erasure import KEEP, erase_client, plan_erasure
from privacy.exports import export_document
from tilli.test import make_client

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")


@pytest.fixture
def bought(world):
    counter = make_counter(world)
    anna = make_client(world.org, email="anna@example.test")
    sell(counter, client=anna, lines=[LineInput(kind="gift_card", unit_price=Decimal("30.00"))],
         tenders=[TenderInput(method="card", amount=Decimal("30.00"))])
    code = Voucher.objects.get().code
    sale = sell(counter, client=anna, tenders=[TenderInput(method="gift_card", amount=Decimal("30.00"), code=code),
                                               TenderInput(method="cash", amount=Decimal("20.00"))])
    return anna, sale


def test_the_export_holds_the_receipts_their_lines_payments_and_cards(bought):
    anna, _sale = bought
    data = export_document(anna)["data"]
    for label in ("billing.Sale", "billing.SaleLine", "billing.SaleTender", "billing.Voucher", "billing.VoucherUse"):
        assert label in data, label
    assert {row["receipt_number"] for row in data["billing.Sale"]["rows"]} == {1, 2}


def test_erasure_keeps_receipts_and_cards_restricted_until_the_accounting_period_ends(bought):
    anna, sale = bought
    kept = {item.label for item in plan_erasure(anna).items if item.action == KEEP}
    assert {"billing.Sale", "billing.SaleLine", "billing.SaleTender", "billing.Voucher"} <= kept
    erase_client(client=anna, actor=SYSTEM)
    sale.refresh_from_db()
    assert sale.restricted_until is not None and sale.restricted_until.year >= sale.completed_at.year + 6
    assert sale.payer_name == "Anna Virtanen"  # the receipt reads as printed
    assert not Sale.objects.for_organization(sale.organization).unrestricted().exists()
    assert SaleLine.objects.filter(sale=sale).count() == 1


def test_the_retention_job_deletes_receipts_and_cards_after_the_accounting_period(
        world, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    from billing.sales import RefundLine, sale_refund
    from privacy.retention import run_retention

    counter = make_counter(world)
    old = sell(counter, lines=[LineInput(kind="gift_card", unit_price=Decimal("30.00"))],
               tenders=[TenderInput(method="card", amount=Decimal("30.00"))])
    card = old.lines.get().voucher
    paid = sell(counter, tenders=[TenderInput(method="gift_card", amount=Decimal("30.00"), code=card.code),
                                  TenderInput(method="card", amount=Decimal("19.00"))])
    credit = sale_refund(sale=paid, lines=[RefundLine(paid.lines.get(), Decimal(1))], reason="Cancelled",
                         actor=counter.actor, tenders=[TenderInput(method="card", amount=Decimal("49.00"))])
    waiting = sell(counter)  # old, but its credit receipt is recent: it waits for it
    recent_credit = sale_refund(sale=waiting, lines=[RefundLine(waiting.lines.get(), Decimal(1))], reason="No",
                                actor=counter.actor, tenders=[TenderInput(method="card", amount=Decimal("49.00"))])
    today = sell(counter)
    eight_years = timezone.now() - dt.timedelta(days=8 * 366)
    Sale.objects.filter(pk__in=[old.pk, paid.pk, credit.pk, waiting.pk]).update(completed_at=eight_years)
    Voucher.objects.filter(pk=card.pk).update(issued_at=eight_years, expires_on=eight_years.date())
    with django_capture_on_commit_callbacks(execute=True):
        counts = run_retention(now=timezone.now(), dry_run=False).counts()
    assert counts["receipts"] == 3 and counts["cards"] == 1
    assert set(Sale.objects.values_list("pk", flat=True)) == {waiting.pk, recent_credit.pk, today.pk}
    assert not Voucher.objects.exists()
