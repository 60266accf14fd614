"""Forms of the sign-up pages: the business's details, then the owner's password on the confirmation page."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tenancy.models import SignupRequest
from tenancy.validators import normalise_business_id

EU_ATLANTIC_ZONES = ("Atlantic/Azores", "Atlantic/Canary", "Atlantic/Madeira")


def _time_zones() -> list[tuple[str, str]]:
    """The zones of Europe (Tilli's businesses are in the EU); the organization settings take any zone later."""
    zones = sorted(zone for zone in zoneinfo.available_timezones() if zone.startswith("Europe/"))
    return [(zone, zone) for zone in zones + list(EU_ATLANTIC_ZONES)]


class SignupForm(forms.ModelForm):
    """What a business tells about itself; the business ID is checked against the country's checksum."""

    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zones, initial="Europe/Helsinki")

    class Meta:
        model = SignupRequest
        fields = ["organization_name", "country", "business_id", "street_address", "postal_code", "city",
                  "default_language", "time_zone", "first_name", "last_name", "email"]
        labels = {"organization_name": _("Business name"), "business_id": _("Business ID (Y-tunnus or NIP)"),
                  "first_name": _("Your first name"), "last_name": _("Your last name"),
                  "email": _("Your email address"), "default_language": _("Language of the business")}
        help_texts = {"email": _("You will sign in with it. We send a link to it to confirm it is yours.")}
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "email"})}

    def __init__(self, *args, invited_email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if invited_email is not None:
            self.fields["email"].initial = invited_email
            self.fields["email"].disabled = True
            self.fields["email"].help_text = _("The invitation was sent to this address.")

    def clean(self):
        data = super().clean()
        if data.get("country") and data.get("business_id"):
            try:
                data["business_id"] = normalise_business_id(data["country"], data["business_id"])
            except ValidationError as error:
                self.add_error("business_id", error)
        return data

    def _post_clean(self) -> None:
        """The service builds and validates the row (token, expiry); the form checks only what it asked."""


class ChoosePasswordForm(forms.Form):
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=password_validators_help_text_html)
    password_again = forms.CharField(label=_("Password again"),
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password") and data["password"] != data.get("password_again"):
            self.add_error("password_again", _("The passwords do not match."))
        return data
