"""Forms of the staff panel; validation messages come from the models and validators."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Invitation
from api.models import ApiToken
from tenancy.models import Membership, Organization
from tenancy.services import EDITABLE_ORGANIZATION_FIELDS


class OrganizationForm(forms.ModelForm):
    public_languages = forms.MultipleChoiceField(
        label=_("Languages of the booking page and client portal"), choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Customers get the first of these their browser asks for, else the default language, "
                    "and can switch between them."))

    class Meta:
        model = Organization
        fields = EDITABLE_ORGANIZATION_FIELDS


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["email", "role"]


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role", "is_active"]


def _lifetime_choices() -> list[tuple[int, str]]:
    days = sorted({d for d in (7, 30, 90, 180, 365) if d <= settings.API_TOKEN_MAX_DAYS}
                  | {settings.API_TOKEN_DEFAULT_DAYS, settings.API_TOKEN_MAX_DAYS})
    return [(d, ngettext("%(count)d day", "%(count)d days", d) % {"count": d}) for d in days]


class ApiTokenForm(forms.ModelForm):
    """A token's name and lifetime; there is no "never expires"."""

    days = forms.TypedChoiceField(label=_("Valid for"), coerce=int, choices=_lifetime_choices,
                                  help_text=_("After this the token stops working; create a new one then."))

    class Meta:
        model = ApiToken
        fields = ["name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].initial = settings.API_TOKEN_DEFAULT_DAYS
