"""Money at the counter and on invoices: the accounting records the law makes us keep."""

from billing.models.accounting import (
    ACCOUNTING_GROUND,
    KEPT,
    PURPOSE_ACCOUNTING,
    RETENTION_ACCOUNTING,
    DocumentCounter,
    DocumentSeries,
)
from billing.models.catalog import Product, StockMovement, StockReason
from billing.models.fiscal import FiscalRegistration
from billing.models.invoices import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus
from billing.models.online import (
    GatewayConnection,
    GatewayNotice,
    OnlinePayment,
    OnlinePaymentKind,
    OnlinePaymentStatus,
    OnlineRefund,
    PaymentPolicy,
    PolicyKind,
    RefundStatus,
)
from billing.models.payments import Payment, PaymentMethod
from billing.models.profile import BillingProfile, CommissionRate
from billing.models.sales import LineKind, Sale, SaleKind, SaleLine, SaleTender, TenderMethod
from billing.models.till import CashMovement, CashMovementKind, Till, TillSession
from billing.models.vouchers import Voucher, VoucherKind, VoucherUse

__all__ = [
    "ACCOUNTING_GROUND",
    "KEPT",
    "PURPOSE_ACCOUNTING",
    "RETENTION_ACCOUNTING",
    "BillingProfile",
    "CashMovement",
    "CashMovementKind",
    "CommissionRate",
    "DocumentCounter",
    "DocumentSeries",
    "FiscalRegistration",
    "GatewayConnection",
    "GatewayNotice",
    "Invoice",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceStatus",
    "LineKind",
    "OnlinePayment",
    "OnlinePaymentKind",
    "OnlinePaymentStatus",
    "OnlineRefund",
    "Payment",
    "PaymentMethod",
    "PaymentPolicy",
    "PolicyKind",
    "Product",
    "RefundStatus",
    "Sale",
    "SaleKind",
    "SaleLine",
    "SaleTender",
    "StockMovement",
    "StockReason",
    "TenderMethod",
    "Till",
    "TillSession",
    "Voucher",
    "VoucherKind",
    "VoucherUse",
]
