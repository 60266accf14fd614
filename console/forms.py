"""The console's forms: each names what the operator must state (a reason, how long, a confirmation)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from privacy.models import SubProcessor
from privacy.subprocessors import FIELDS as SUBPROCESSOR_FIELDS
from tenancy.models import OrganizationStatus


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search by name, short name or business ID"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *OrganizationStatus.choices])


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Written to the organization's access log and the operator log."))


class EndContractForm(ReasonForm):
    confirm = forms.CharField(label=_("Type the organization's short name to confirm"), max_length=60)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip()
        if value != self.organization.slug:
            raise forms.ValidationError(_("This is not the organization's short name."))
        return value


class SupportAccessForm(ReasonForm):
    hours = forms.IntegerField(label=_("For how many hours"), min_value=1, initial=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hours"].validators.append(_max_hours)  # the setting is read per form, not at import
        self.fields["hours"].widget.attrs["max"] = settings.SUPPORT_ACCESS_MAX_HOURS
        self.fields["hours"].help_text = _("At most %(max)d hours. The owner sees it and can end it at once.") % {
            "max": settings.SUPPORT_ACCESS_MAX_HOURS}


def _max_hours(value: int) -> None:
    if value > settings.SUPPORT_ACCESS_MAX_HOURS:
        raise forms.ValidationError(_("At most %(max)d hours.") % {"max": settings.SUPPORT_ACCESS_MAX_HOURS})


class SubProcessorForm(forms.ModelForm):
    class Meta:
        model = SubProcessor
        fields = SUBPROCESSOR_FIELDS
