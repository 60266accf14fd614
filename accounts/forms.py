"""Forms of the accounts' own pages (accepting an invitation): they sit with the views that use them, below
the panel's forms in `web`, so `accounts` never imports the presentation layer."""

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from tilli.lib.text import validate_clean_text


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, validators=[validate_clean_text])
    last_name = forms.CharField(label=_("Last name"), max_length=150, validators=[validate_clean_text])
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=password_validators_help_text_html)
    password_again = forms.CharField(label=_("Password again"),
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        password = data.get("password")
        if password and password != data.get("password_again"):
            self.add_error("password_again", _("The passwords do not match."))
        elif password:
            candidate = User(email=self.email, first_name=data.get("first_name", ""),
                             last_name=data.get("last_name", ""))
            try:
                validate_password(password, candidate)
            except ValidationError as error:
                self.add_error("password", error)
        return data
