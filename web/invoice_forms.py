"""Forms of the billing details and the invoices: they only read input; billing.invoicing writes."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.invoicing import CreditLine
from billing.models import BillingProfile
from billing.money import plain
from billing.selectors import Creditable
from billing.vat import rates_on
from web.widgets import IsoDateInput


class BillingProfileForm(forms.ModelForm):
    class Meta:
        model = BillingProfile
        fields = ["iban", "bic", "vat_id", "payment_terms_days", "penalty_interest", "einvoice_address",
                  "einvoice_operator", "exemption_basis", "receipt_footer"]
        help_texts = {
            "iban": _("The account invoices are paid to, e.g. FI79 4405 2020 0360 82."),
            "vat_id": _("Finland: FI and the business ID's digits (FI12345671). Poland: the NIP."),
            "penalty_interest": _("Printed on invoices, e.g. 11.5 (the reference rate plus 7 points in Finland)."),
            "einvoice_address": _("Your own e-invoice address (OVT code), if you receive e-invoices."),
            "exemption_basis": _("Printed when a line has no VAT, e.g. \"AVL 34 §\" or \"art. 43 ust. 1 pkt 18 "
                                 "ustawy o VAT\"."),
        }


class ClientSearchForm(forms.Form):
    q = forms.CharField(label=_("Find the customer"), max_length=100)


def vat_choices(country: str) -> list[tuple[str, str]]:
    """The VAT rates in force today as choices: "25.5", "0" or "zw"."""
    return [(rate.code, "zw" if rate.exempt else f"{rate.code} %") for rate in rates_on(country,
                                                                                          timezone.localdate())]


def parse_rate(code: str) -> tuple[Decimal, bool]:
    return (Decimal(0), True) if code == "zw" else (Decimal(code), False)


class InvoiceForm(forms.Form):
    contact_person = forms.TypedChoiceField(label=_("Contact person"), required=False, coerce=int, empty_value=None)
    issue_date = forms.DateField(label=_("Date of issue"), widget=IsoDateInput())
    sale_date = forms.DateField(label=_("Date of sale or delivery"), widget=IsoDateInput())
    payment_terms_days = forms.IntegerField(label=_("Terms of payment (days)"),
                                            validators=[MinValueValidator(0), MaxValueValidator(365)])
    language = forms.ChoiceField(label=_("Language of the invoice"), choices=settings.LANGUAGES)
    prices = forms.ChoiceField(label=_("Prices are entered"), choices=[
        ("gross", _("with VAT (gross)")), ("net", _("without VAT (net)"))], initial="gross")
    buyer_reference = forms.CharField(label=_("Customer's reference"), max_length=100, required=False)
    buyer_vat_id = forms.CharField(label=_("Customer's VAT number"), max_length=20, required=False)
    buyer_einvoice_address = forms.CharField(label=_("Customer's e-invoice address"), max_length=35,
                                             required=False)
    buyer_einvoice_operator = forms.CharField(label=_("Customer's e-invoice operator"), max_length=35,
                                              required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_person"].choices = [("", "—")] + [(c.pk, c.display_name) for c in contacts]
        if not contacts:
            del self.fields["contact_person"]


class InvoiceLineForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=300)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=9, decimal_places=3, min_value=Decimal("0.001"),
                                  initial=1)
    unit = forms.CharField(label=_("Unit"), max_length=10, required=False)
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=10, decimal_places=2, min_value=0)
    vat = forms.ChoiceField(label=_("VAT rate"))
    discount_percent = forms.DecimalField(label=_("Discount (%)"), max_digits=5, decimal_places=2, min_value=0,
                                          max_value=100, required=False)

    def __init__(self, *args, country: str = "FI", **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # the fields stand in a table: each is named for screen readers
            field.widget.attrs["aria-label"] = str(field.label)
        choices = vat_choices(country)
        self.fields["vat"].choices = choices
        self.fields["vat"].initial = choices[0][0] if choices else None  # an untouched extra row is left out


InvoiceLineFormSet = forms.formset_factory(InvoiceLineForm, extra=4, max_num=50, min_num=1, validate_min=True)


class CreditForm(forms.Form):
    """The reason, and per line still creditable a quantity returned (what is left, unless changed) and an
    amount taken off its price. A form without the line fields credits everything still creditable."""

    reason = forms.CharField(label=_("Reason for the correction"), max_length=300)

    def __init__(self, *args, lines: list[Creditable] = (), **kwargs) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.rows = []
        for row in lines:
            if row.credited:
                continue
            pk = row.line.pk
            self.fields[f"quantity_{pk}"] = forms.DecimalField(
                label=_("Quantity to credit"), min_value=0, max_digits=9, decimal_places=3, required=False,
                initial=plain(row.quantity))
            self.fields[f"amount_{pk}"] = forms.DecimalField(
                label=_("Amount off the price"), min_value=0, max_digits=12, decimal_places=2, required=False)
            self.rows.append({"left": row, "quantity": self[f"quantity_{pk}"], "amount": self[f"amount_{pk}"]})

    def visible_fields(self):
        return [self["reason"]]

    def credit_lines(self) -> list[CreditLine] | None:
        """The chosen parts; None when nothing was changed from "everything that is left"."""
        if not any(f"quantity_{row['left'].line.pk}" in self.data for row in self.rows):
            return None
        chosen, everything = [], True
        for row in self.rows:
            left = row["left"]
            quantity = self.cleaned_data.get(f"quantity_{left.line.pk}") or Decimal(0)
            amount = self.cleaned_data.get(f"amount_{left.line.pk}") or Decimal(0)
            everything = everything and quantity == left.quantity and not amount
            if quantity or amount:
                chosen.append(CreditLine(line_id=left.line.pk, quantity=quantity, amount=amount))
        return None if everything else chosen


class PaidForm(forms.Form):
    paid_on = forms.DateField(label=_("Date of payment"), widget=IsoDateInput())


class ReminderForm(forms.Form):
    fee = forms.DecimalField(label=_("Reminder fee"), max_digits=6, decimal_places=2, min_value=0, max_value=100,
                             required=False)
