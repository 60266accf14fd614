"""Forms of the privacy pages (data-subject requests, restriction, payments).

They only collect input: the rules (deadlines, identity, limits, who may be told what) live in
privacy.requests, clients.services and billing.services, whose ValidationErrors land on the
field of the same name (see `web.form_errors.apply_errors`).
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from privacy.models import RequestKind
from privacy.requests import RECEIVED_MAX_AGE, STAFF_CHANNELS, STAFF_IDENTITY_METHODS
from web.widgets import ISO_DATETIME_LOCAL, IsoDateTimeInput

# Staff record what arrived by email, letter, phone or in person; portal requests record themselves
# (privacy.requests refuses `portal` from staff, whatever form or API sent it).
CHANNEL_CHOICES = [(channel.value, channel.label) for channel in STAFF_CHANNELS]
IDENTITY_METHOD_CHOICES = [(method.value, method.label) for method in STAFF_IDENTITY_METHODS]
DATETIME_LOCAL = ISO_DATETIME_LOCAL


def _local_now() -> str:
    return timezone.localtime().strftime(DATETIME_LOCAL)


class RequestCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the client asks for"), choices=[("", "—"), *RequestKind.choices])
    channel = forms.ChoiceField(label=_("How it arrived"), choices=[("", "—"), *CHANNEL_CHOICES])
    received_at = forms.DateTimeField(
        label=_("Received"), input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=IsoDateTimeInput(),
        help_text=_("The deadline runs from the day the request arrived, not from the day it is recorded."))
    details = forms.CharField(label=_("What the client asked, in their words"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"received_at": _local_now()})
        super().__init__(*args, **kwargs)
        # The browser's hint of the oldest day privacy.requests accepts (it checks again, with its own message).
        oldest = timezone.localtime() - RECEIVED_MAX_AGE
        self.fields["received_at"].widget.attrs["min"] = oldest.strftime(DATETIME_LOCAL)


class ClientChoiceForm(forms.Form):
    """The client a request is about, picked from the results of a POST search."""

    client = forms.IntegerField(label=_("Client"), min_value=1,
                                error_messages={"required": _("Search for the client and choose one.")})


class IdentityForm(forms.Form):
    method = forms.ChoiceField(label=_("How the identity was verified"), choices=IDENTITY_METHOD_CHOICES)
    note = forms.CharField(label=_("Note on the check"), required=False, max_length=300,
                           help_text=_("For example which document was shown. Never write the document's number."))


class ExtendForm(forms.Form):
    months = forms.TypedChoiceField(label=_("Extend by"), coerce=int,
                                    choices=[(1, _("one month")), (2, _("two months"))])
    reason = forms.CharField(label=_("Reasons, as the client will read them"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))
    told_otherwise = forms.BooleanField(
        label=_("The client has no email address: I told them the reasons by letter or in person"), required=False)


class LimitForm(forms.Form):
    allow = forms.TypedChoiceField(label=_("Decision"), widget=forms.RadioSelect, coerce=lambda v: v == "1",
                                   choices=[("1", _("Answer the request anyway")),
                                            ("0", _("Refuse it as excessive (Art. 12(5))"))])
    reason = forms.CharField(label=_("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Needed when refusing: the client will be told them."))


class CompleteForm(forms.Form):
    outcome = forms.CharField(label=_("What was done"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Needed for a correction or a withdrawal of consent."))


class RefuseForm(forms.Form):
    reasons = forms.CharField(label=_("Reasons for the refusal, as the client will read them"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    told_otherwise = forms.BooleanField(
        label=_("The client has no email address: I told them the reasons and their right to complain by letter "
                "or in person"), required=False)


class RestrictForm(forms.Form):
    reason = forms.CharField(label=_("Why processing is restricted"), required=False, max_length=300,
                             help_text=_("For example: the client contests the accuracy of the data."))
