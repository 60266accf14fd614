"""Forms of the owner's and staff's online payment pages: a payment policy, and the staff's decisions on a payment
(refund, keep, charge the fee), each with a confirmation box, since money moves and cannot simply be undone."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing.models.online import OnlinePaymentKind, OnlinePaymentStatus, PolicyKind
from billing.payment_settings import AWAITING_DECISION, MAX_HOURS, MAX_TEXT, PROVIDERS
from tenancy.models import Organization
from tilli.lib.text import validate_clean_text
from web.widgets import IsoDateInput

DAY = IsoDateInput()
MONEY = {"max_digits": 10, "decimal_places": 2, "min_value": Decimal("0")}


class PolicyForm(forms.Form):
    kind = forms.ChoiceField(label=_("When booking, the customer"), choices=PolicyKind.choices,
                             widget=forms.RadioSelect)
    deposit_amount = forms.DecimalField(label=_("Deposit (amount)"), required=False, **MONEY,
                                        help_text=_("Either an amount or a percentage of the price."))
    deposit_percent = forms.DecimalField(label=_("Deposit (percent of the price)"), required=False, max_digits=5,
                                         decimal_places=2, min_value=Decimal("1"), max_value=Decimal("100"))
    no_show_fee = forms.DecimalField(label=_("Late cancellation and no-show fee"), required=False, **MONEY,
                                     help_text=_("Charged to the saved card of a card guarantee, when staff "
                                                 "confirm it."))
    free_cancellation_hours = forms.IntegerField(label=_("Free cancellation until (hours before)"), min_value=0,
                                                 max_value=MAX_HOURS, initial=24)

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        """One text per language of the booking page, the default language's first (`text__<code>`)."""
        super().__init__(*args, **kwargs)
        self.organization = organization
        names = dict(settings.LANGUAGES)
        default = organization.default_language
        codes = [default] + [code for code in organization.public_language_codes if code != default]
        for code in codes:
            self.fields[f"text__{code}"] = forms.CharField(
                label=_("Policy shown to the customer before paying (%(language)s)") % {"language": names[code]},
                required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}),
                validators=[validate_clean_text],
                help_text=_("Stored with each payment. Changing it makes a new version.") if code == default else
                _("Customers reading the booking page in this language see this; left empty, they see the text in "
                  "the default language."))

    @classmethod
    def for_policy(cls, policy, data=None, *, organization: Organization) -> PolicyForm:
        initial = {}
        if policy is not None:
            initial = {name: getattr(policy, name) for name in ("kind", "deposit_amount", "deposit_percent",
                                                                "no_show_fee", "free_cancellation_hours")}
            initial[f"text__{organization.default_language}"] = policy.text
            translations = policy.translations if isinstance(policy.translations, dict) else {}
            wording = translations.get("text") if isinstance(translations.get("text"), dict) else {}
            initial |= {f"text__{code}": text for code, text in wording.items()}
        return cls(data, organization=organization,
                   initial=initial or {"kind": PolicyKind.NONE, "free_cancellation_hours": 24})

    def policy(self) -> dict:
        """The cleaned values as `policy_save` takes them: the default language's text and the translations."""
        data = dict(self.cleaned_data)
        texts = {name.removeprefix("text__"): data.pop(name) for name in list(data) if name.startswith("text__")}
        default = self.organization.default_language
        text = texts.pop(default, "")
        wording = {code: value for code, value in texts.items() if value.strip()}
        return data | {"text": text, "translations": {"text": wording}}


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount to refund"), max_digits=10, decimal_places=2,
                                min_value=Decimal("0.01"))
    reason = forms.CharField(label=_("Reason"), max_length=200)
    confirm = forms.BooleanField(label=_("I confirm: the money is returned to the customer through the gateway."))


class KeepForm(forms.Form):
    confirm = forms.BooleanField(label=_("I confirm: the payment is kept under the policy and not refunded."))


class FeeForm(forms.Form):
    amount = forms.DecimalField(label=_("Fee"), max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    confirm = forms.BooleanField(label=_("I confirm: the fee is charged to the customer's saved card."))


def status_choices() -> list[tuple[str, str]]:
    return [("", _("All")), (AWAITING_DECISION, _("Awaiting a decision")), *OnlinePaymentStatus.choices]


def kind_choices() -> list[tuple[str, str]]:
    return [("", _("All")), *OnlinePaymentKind.choices]


class PaymentFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=status_choices)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=kind_choices)
    gateway = forms.ChoiceField(label=_("Gateway"), required=False,
                                choices=[("", _("All"))] + [(name, p["label"]) for name, p in PROVIDERS.items()])
    since = forms.DateField(label=pgettext_lazy("a range of days", "From"), required=False, widget=DAY)
    until = forms.DateField(label=pgettext_lazy("a range of days", "To"), required=False, widget=DAY)
