"""Forms of the catalog pages: products, stock changes, commission rates."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing import vat
from billing.models import Product
from booking.models import Service
from tenancy.models import Membership


def vat_code(percent: Decimal, exempt: bool) -> str:
    """A rate as a form value: "25.5", or "0:zw" for the Polish exemption (not a rate of zero)."""
    return format(Decimal(percent).normalize(), "f") + (":zw" if exempt else "")


def vat_choices(country: str) -> list[tuple[str, str]]:
    """The rates valid today in `country`."""
    return [(vat_code(r.percent, r.exempt), f"{r.code} – {r.label}" if r.exempt else f"{r.code} % – {r.label}")
            for r in vat.rates_on(country, timezone.localdate())]


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    price = forms.DecimalField(label=_("Price (VAT included)"), max_digits=10, decimal_places=2, min_value=0,
                               localize=True)
    vat = forms.ChoiceField(label=_("VAT rate"))
    sku = forms.CharField(label=_("SKU"), max_length=64, required=False)
    ean = forms.CharField(label=_("EAN (barcode)"), max_length=20, required=False)
    low_stock_at = forms.IntegerField(label=_("Low when at most"), min_value=0, max_value=1_000_000, initial=0)
    is_active = forms.BooleanField(label=_("On sale"), required=False, initial=True)

    def __init__(self, *args, country: str, product: Product | None = None, **kwargs):
        if product is not None and "initial" not in kwargs:
            code = vat_code(product.vat_rate, product.vat_exempt)
            kwargs["initial"] = {"name": product.name, "price": product.price, "sku": product.sku,
                                 "ean": product.ean, "low_stock_at": product.low_stock_at,
                                 "is_active": product.is_active, "vat": code}
        super().__init__(*args, **kwargs)
        self.fields["vat"].choices = vat_choices(country)  # a product at an old rate must get a valid one

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        code = data.pop("vat")
        rate, _sep, exempt = code.partition(":")
        return data | {"vat_rate": Decimal(rate), "vat_exempt": exempt == "zw"}


class StockForm(forms.Form):
    ACTIONS = [("delivery", _("Delivery received")), ("count", _("Stock count (set the counted figure)")),
               ("loss", _("Loss or own use"))]
    action = forms.ChoiceField(label=_("What happened"), choices=ACTIONS)
    quantity = forms.IntegerField(label=_("Number of items"), min_value=0, max_value=1_000_000)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class CommissionForm(forms.Form):
    membership = forms.ModelChoiceField(label=_("Staff member"), queryset=Membership.objects.none())
    target = forms.ChoiceField(label=_("On"))
    percent = forms.DecimalField(label=_("Commission (%)"), max_digits=5, decimal_places=2, min_value=0,
                                 max_value=100, required=False, localize=True,
                                 help_text=_("Leave empty to remove the rate."))

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = (Membership.objects.filter(organization=organization, is_active=True)
                                              .select_related("user"))
        self.fields["membership"].label_from_instance = lambda m: m.user.get_full_name() or m.user.email
        services = Service.objects.for_organization(organization).order_by("name")
        products = Product.objects.for_organization(organization).order_by("name")
        self.fields["target"].choices = (
            [("default", _("Everything else (default)"))]
            + [(f"service:{s.pk}", _("Service: %(name)s") % {"name": s.name}) for s in services]
            + [(f"product:{p.pk}", _("Product: %(name)s") % {"name": p.name}) for p in products])
