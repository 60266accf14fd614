"""Reading receipts: the counter's sales and the payments recorded by hand before it, as one list.

The legacy `Payment` rows stay as they were written (the accounting law keeps them unchanged); the
receipts the counter writes continue their number series (migration 0006_checkout_receipt_counter).
Pages that listed payments list `ReceiptRow`s, which read the same for both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from billing.models import Payment, Sale, SaleKind
from billing.sales import credited
from tenancy.models import Organization


@dataclass(frozen=True)
class ReceiptRow:
    number: int
    at: dt.datetime
    amount: Decimal  # what was paid (a credit receipt: negative)
    currency: str
    methods: str  # the payment methods as shown
    description: str
    payer_name: str
    restricted_until: dt.date | None
    sale: Sale | None = None
    payment: Payment | None = None

    @property
    def is_credit(self) -> bool:
        return self.sale is not None and self.sale.kind == SaleKind.CREDIT


def sales_of(organization: Organization) -> QuerySet[Sale]:
    return Sale.objects.for_organization(organization)


def sale_with_details(organization: Organization, pk: int) -> Sale:
    """One receipt of `organization` with its lines and payments (Sale.DoesNotExist if not there)."""
    return (Sale.objects.for_organization(organization).select_related("location", "refers_to", "client")
            .prefetch_related("lines", "tenders__voucher", "credits").get(pk=pk))


def _row_of_sale(sale: Sale) -> ReceiptRow:
    tenders = list(sale.tenders.all())
    lines = list(sale.lines.all())
    return ReceiptRow(number=sale.receipt_number, at=sale.completed_at, amount=sale.amount_paid,
                      currency=sale.currency,
                      methods=", ".join(dict.fromkeys(str(t.get_method_display()) for t in tenders)),
                      description=", ".join(line.description for line in lines[:3]) + ("…" if len(lines) > 3 else ""),
                      payer_name=sale.payer_name, restricted_until=sale.restricted_until, sale=sale)


def _row_of_payment(payment: Payment) -> ReceiptRow:
    return ReceiptRow(number=payment.receipt_number, at=payment.paid_at, amount=payment.amount,
                      currency=payment.currency, methods=str(payment.get_method_display()),
                      description=payment.description, payer_name=payment.payer_name,
                      restricted_until=payment.restricted_until, payment=payment)


def _merged(sales: QuerySet[Sale], payments: QuerySet[Payment], limit: int) -> list[ReceiptRow]:
    sales = sales.prefetch_related("tenders", "lines").order_by("-completed_at", "-pk")
    rows = [_row_of_sale(s) for s in sales[:limit]]
    rows += [_row_of_payment(p) for p in payments.order_by("-paid_at", "-pk")[:limit]]
    rows.sort(key=lambda row: (row.at, row.number), reverse=True)
    return rows[:limit]


def client_receipts(organization: Organization, client, *, limit: int = 50) -> list[ReceiptRow]:
    """The client's receipts that normal views may show (not those kept restricted after an erasure)."""
    return _merged(Sale.objects.for_organization(organization).unrestricted().filter(client=client),
                   Payment.objects.for_organization(organization).unrestricted().filter(client=client), limit)


def restricted_receipts(organization: Organization, *, limit: int = 5000) -> list[ReceiptRow]:
    """Receipts kept only because the accounting law requires them (their client was erased)."""
    return _merged(Sale.objects.for_organization(organization).exclude(restricted_until=None).select_related("client"),
                   Payment.objects.for_organization(organization).exclude(restricted_until=None)
                   .select_related("client"), limit)


def receipt_search(organization: Organization, *, number: int | None = None, day: dt.date | None = None,
                   zone=None) -> QuerySet[Sale]:
    """The counter's receipts, newest first, by number or by the day (in `zone`) they were written."""
    sales = Sale.objects.for_organization(organization).unrestricted().select_related("location")
    if number is not None:
        sales = sales.filter(receipt_number=number)
    if day is not None:
        start = dt.datetime.combine(day, dt.time.min, zone or dt.UTC)
        sales = sales.filter(Q(completed_at__gte=start) & Q(completed_at__lt=start + dt.timedelta(days=1)))
    return sales.prefetch_related("tenders").order_by("-completed_at", "-pk")


def refundable(sale: Sale) -> list[tuple]:
    """Each line of `sale` with the quantity that can still be returned."""
    result = []
    for line in sale.lines.all():
        left = line.quantity - credited(line)[0]
        result.append((line, left))
    return result
