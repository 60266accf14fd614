"""Forms for the customer register; cleaning itself is clients.validation, shared with the API."""

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import Client, RecordKind, Visit
from web.widgets import IsoDateInput, IsoDateTimeInput


class ClientForm(forms.ModelForm):
    """Collects raw input; clients.services validates and normalises it."""

    national_id = forms.CharField(label=_("National identity number"), required=False,
                                  widget=forms.TextInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(label=_("Phone"), required=False, widget=forms.TextInput(attrs={"type": "tel"}))
    email = forms.CharField(label=_("Email"), required=False, widget=forms.TextInput(attrs={"type": "email"}))

    class Meta:
        model = Client
        fields = ["kind", "first_name", "last_name", "company_name", "business_id", "email", "phone",
                  "street_address", "postal_code", "city", "gender", "birth_year", "birth_date",
                  "preferred_language", "billing_name", "billing_address", "billing_reference",
                  "standing_discount_percent"]
        widgets = {"birth_date": IsoDateInput(),
                   "billing_address": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, organization, custom_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.custom_definitions = list(custom_fields)
        for definition in self.custom_definitions:
            self.fields[f"custom_{definition.key}"] = forms.CharField(label=definition.label, required=False)
            if self.instance.pk:
                self.initial[f"custom_{definition.key}"] = self.instance.custom_fields.get(definition.key, "")
        if not organization.national_id_enabled:
            del self.fields["national_id"]
        elif self.instance.pk:
            self.fields["national_id"].help_text = _("Leave empty to keep the stored number.")
        if self.instance.pk:
            del self.fields["kind"]

    def _post_clean(self):
        """Model validation happens in the service, where the organization's rules apply."""

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.fields if not name.startswith("custom_")}
        data.pop("kind", None)
        if not data.get("national_id"):
            data.pop("national_id", None)
        if self.custom_definitions:
            data["custom_fields"] = {d.key: self.cleaned_data.get(f"custom_{d.key}", "")
                                     for d in self.custom_definitions}
        return data


class ClientSearchForm(forms.Form):
    q = forms.CharField(label=_("Search by name, phone, email or national ID"), required=False)


class VisitForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = ["visited_at", "practitioner", "services", "products", "wishes", "discount_percent"]
        widgets = {"visited_at": IsoDateTimeInput(),
                   "services": forms.Textarea(attrs={"rows": 2}), "products": forms.Textarea(attrs={"rows": 2}),
                   "wishes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        from tenancy.models import Membership

        self.fields["practitioner"].queryset = Membership.objects.for_organization(organization).filter(
            is_active=True).select_related("user")


class RecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RecordKind.choices)
    body = forms.CharField(label=_("Entry"), widget=forms.Textarea(attrs={"rows": 4}))


class CareAssignmentForm(forms.Form):
    """The owner lets a practitioner treat the client (read and write the sensitive entries)."""

    practitioner = forms.ModelChoiceField(label=_("Practitioner"), queryset=None)
    ends_on = forms.DateField(label=_("Until (inclusive)"), required=False,
                              widget=IsoDateInput(),
                              input_formats=["%Y-%m-%d"],
                              help_text=_("Leave empty to keep the access until you revoke it."))

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        from tenancy.models import Membership
        from tenancy.roles import Role

        self.fields["practitioner"].queryset = Membership.objects.for_organization(organization).filter(
            is_active=True, role=Role.PRACTITIONER).select_related("user").order_by("user__last_name", "pk")
        self.fields["practitioner"].label_from_instance = lambda membership: str(membership.user)


class MergeForm(forms.Form):
    duplicate = forms.IntegerField(label=_("Number of the duplicate client"), min_value=1)




class CustomFieldForm(forms.ModelForm):
    class Meta:
        from clients.models import CustomField

        model = CustomField
        fields = ["label", "key", "field_type", "is_active"]
