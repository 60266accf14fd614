"""VAT rates per country with the days they apply: a receipt uses the rates of the day of the sale.

Rates are law, not settings: they live here, in code, with their validity dates, so a sale on
31 December 2025 in Finland takes 14 % on food and one on 1 January 2026 takes 13.5 %. An owner
chooses among the rates valid today; a document stores the rate it used, never a reference here.
Polish "zw" (exempt, art. 43 of the VAT Act) is not a rate of zero: it is printed as "zw" and needs the
legal basis on an invoice, so it is its own entry with `exempt=True`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

_OPEN = dt.date.max


@dataclass(frozen=True)
class VatRate:
    country: str
    percent: Decimal
    valid_from: dt.date
    valid_until: dt.date = _OPEN  # the last day it applies
    exempt: bool = False
    label: str = ""

    @property
    def code(self) -> str:
        """What a document prints in the VAT column: "25.5", "0" or "zw"."""
        return "zw" if self.exempt else format(self.percent.normalize(), "f")

    def applies_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_until


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


RATES: tuple[VatRate, ...] = (
    # Finland (arvonlisäverolaki 84 §, 85 §, 85 a §)
    VatRate("FI", Decimal("24"), _d("2013-01-01"), _d("2024-08-31"), label=_("standard rate")),
    VatRate("FI", Decimal("25.5"), _d("2024-09-01"), label=_("standard rate")),
    VatRate("FI", Decimal("14"), _d("2013-01-01"), _d("2025-12-31"), label=_("reduced rate: food, restaurants")),
    VatRate("FI", Decimal("13.5"), _d("2026-01-01"),
            label=_("reduced rate: food, restaurants, medicines, books, sport")),
    VatRate("FI", Decimal("10"), _d("2013-01-01"), label=_("reduced rate: newspapers and magazines")),
    VatRate("FI", Decimal("0"), _d("2013-01-01"), label=_("zero rate or outside VAT (e.g. health care)")),
    # Poland (ustawa o VAT art. 41, 43, 146ef)
    VatRate("PL", Decimal("23"), _d("2011-01-01"), label=_("standard rate")),
    VatRate("PL", Decimal("8"), _d("2011-01-01"), label=_("reduced rate")),
    VatRate("PL", Decimal("5"), _d("2011-01-01"), label=_("reduced rate")),
    VatRate("PL", Decimal("0"), _d("2011-01-01"), label=_("zero rate")),
    VatRate("PL", Decimal("0"), _d("2011-01-01"), exempt=True, label=_("exempt (zw)")),
)


def rates_on(country: str, day: dt.date) -> list[VatRate]:
    """The rates an owner may choose in `country` on `day`, highest first."""
    return sorted((r for r in RATES if r.country == country and r.applies_on(day)),
                  key=lambda r: (r.percent, not r.exempt), reverse=True)


def rate_for(country: str, day: dt.date, percent: Decimal, *, exempt: bool = False) -> VatRate | None:
    """The rate of `percent` valid in `country` on `day`, or None: a price list saved with 24 % before
    September 2024 must be revised before it can be sold from, not silently taxed at a stale rate."""
    for rate in rates_on(country, day):
        if rate.percent == Decimal(percent) and rate.exempt == exempt:
            return rate
    return None


def is_valid(country: str, day: dt.date, percent: Decimal, *, exempt: bool = False) -> bool:
    return rate_for(country, day, percent, exempt=exempt) is not None
