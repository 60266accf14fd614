"""The fiscal register (kasa fiskalna online) behind a gateway, like the SMS gateways.

Polish sellers to consumers must register every sale in an online cash register, which prints the fiscal
receipt and reports to the tax authority's Central Repository of Cash Registers (CRK) on its own. Tilli's
part is to hand each completed sale to the device: `fiscal_gateway().register(sale)` (the checkout calls it
after the sale is stored). Finland has no fiscal devices: the default gateway registers nothing.

The gateway is chosen by the setting FISCAL_REGISTER:
- "none" (default): no fiscal device (Finland, or a Polish seller exempt from the duty);
- "recording": the test double (RecordingFiscalRegister), which checks every receipt as a device would and
  keeps them in memory;
- a dotted path to a FiscalGateway subclass: a device's own protocol (see docs/fiscal-registers.md: no
  device protocol is implemented here, because none could be verified against public documentation).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

# The PTU letters Polish fiscal devices are usually programmed with (the rate table is the device's own
# setting; a backend may map differently): A 23 %, B 8 %, C 5 %, D 0 %, E exempt ("zw").
PTU_LETTERS = {(Decimal("23"), False): "A", (Decimal("8"), False): "B", (Decimal("5"), False): "C",
               (Decimal("0"), False): "D", (Decimal("0"), True): "E"}


class FiscalError(Exception):
    """The device refused or could not be reached; the message names no personal data."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(code)
        self.code, self.message = code, message or code


@dataclass(frozen=True)
class FiscalLine:
    name: str
    quantity: Decimal
    unit_price: Decimal  # gross
    discount: Decimal
    total: Decimal  # gross, after the discount
    ptu: str


@dataclass(frozen=True)
class FiscalReceipt:
    """What a fiscal device needs of a sale: no name of the client, only a buyer's NIP if one was given."""

    sale_id: int
    receipt_number: int
    lines: tuple[FiscalLine, ...]
    total: Decimal
    payments: tuple[tuple[str, Decimal], ...]  # (tender method, amount)
    buyer_nip: str = ""
    is_return: bool = False


@dataclass(frozen=True)
class FiscalResult:
    registered: bool
    fiscal_number: str = ""  # the device's number of the fiscal receipt
    device: str = ""  # the device's unique number (numer unikatowy)
    at: dt.datetime | None = None


def ptu_letter(percent: Decimal, exempt: bool) -> str:
    try:
        return PTU_LETTERS[(Decimal(percent), exempt)]
    except KeyError:
        raise FiscalError("unknown_rate", f"no PTU letter for {percent} %") from None


def receipt_of(sale) -> FiscalReceipt:
    """The fiscal receipt of a stored sale (billing.models.Sale): its lines, total and payments."""
    lines = tuple(FiscalLine(name=line.description[:40], quantity=line.quantity, unit_price=line.unit_price,
                             discount=line.discount, total=line.total,
                             ptu=ptu_letter(line.vat_rate, line.vat_exempt)) for line in sale.lines.all())
    payments = tuple((tender.method, tender.amount) for tender in sale.tenders.all())
    nip = sale.payer_business_id if sale.organization.country == "PL" else ""
    return FiscalReceipt(sale_id=sale.pk, receipt_number=sale.receipt_number, lines=lines, total=sale.total,
                         payments=payments, buyer_nip=nip, is_return=sale.kind == "credit")


class FiscalGateway:
    """A fiscal device. Subclasses implement `send`; `register` is what the checkout calls."""

    name = "base"
    registers = True  # False: no device (nothing is registered)

    def register(self, sale) -> FiscalResult:
        return self.send(receipt_of(sale))

    def send(self, receipt: FiscalReceipt) -> FiscalResult:  # pragma: no cover - the interface
        raise NotImplementedError


class NoFiscalRegister(FiscalGateway):
    """No device: Finland, or a seller exempt from registering."""

    name = "none"
    registers = False

    def register(self, sale) -> FiscalResult:
        return FiscalResult(registered=False)

    def send(self, receipt: FiscalReceipt) -> FiscalResult:
        return FiscalResult(registered=False)


def check(receipt: FiscalReceipt) -> None:
    """What a device refuses: lines that do not add up, payments that do not cover the total."""
    if not receipt.lines:
        raise FiscalError("no_lines")
    for line in receipt.lines:
        if line.ptu not in "ABCDEFG" or not line.name.strip():
            raise FiscalError("bad_line")
        expected = (line.unit_price * line.quantity).quantize(Decimal("0.01")) - line.discount
        if expected != line.total:
            raise FiscalError("line_total")
    if sum((line.total for line in receipt.lines), Decimal(0)) != receipt.total:
        raise FiscalError("total")
    if receipt.payments and sum((amount for _m, amount in receipt.payments), Decimal(0)) < receipt.total \
            and not receipt.is_return:
        raise FiscalError("underpaid")


@dataclass
class RecordingFiscalRegister(FiscalGateway):
    """The test double: checks each receipt as a device would, numbers it, and keeps it.

    `offline = True` makes it refuse as an unreachable device does (FiscalError "offline")."""

    name = "recording"
    device: str = "TEST00000001"
    offline: bool = False
    receipts: list[FiscalReceipt] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def send(self, receipt: FiscalReceipt) -> FiscalResult:
        if self.offline:
            raise FiscalError("offline", "the fiscal device does not answer")
        check(receipt)
        with self._lock:
            self.receipts.append(receipt)
            number = len(self.receipts)
        return FiscalResult(registered=True, fiscal_number=f"{number:06d}", device=self.device, at=timezone.now())


_recording: RecordingFiscalRegister | None = None


def fiscal_gateway() -> FiscalGateway:
    """The gateway FISCAL_REGISTER chooses ("none", "recording" or a dotted path to a FiscalGateway)."""
    global _recording
    choice = getattr(settings, "FISCAL_REGISTER", "none") or "none"
    if choice == "none":
        return NoFiscalRegister()
    if choice == "recording":
        if _recording is None:
            _recording = RecordingFiscalRegister()
        return _recording
    backend = import_string(choice)
    if not (isinstance(backend, type) and issubclass(backend, FiscalGateway)):
        raise ValueError("FISCAL_REGISTER must name a FiscalGateway subclass")
    return backend()


def reset_recording() -> RecordingFiscalRegister:
    """A fresh test double (tests call this to start from no receipts)."""
    global _recording
    _recording = RecordingFiscalRegister()
    return _recording
