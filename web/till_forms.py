"""Forms of the till page: opening float, cash in and out, the count at closing."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import CashMovementKind

MAX = Decimal("99999999.99")


def money_field(label, *, allow_zero: bool = True) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=10, decimal_places=2, localize=True,
                              min_value=Decimal("0") if allow_zero else Decimal("0.01"), max_value=MAX)


class TillOpenForm(forms.Form):
    opening_float = money_field(_("Float in the drawer"))


class CashMoveForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CashMovementKind.choices)
    amount = money_field(_("Amount"), allow_zero=False)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class TillCloseForm(forms.Form):
    counted_cash = money_field(_("Cash counted in the drawer"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
