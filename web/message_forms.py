"""Forms of the message pages: sending policy, reminder rules, wording, campaigns, reminder choices.

They collect and check input; what a message says and who gets it is notify's (wording,
rendering, campaigns). Wording is checked by notify.wording, so text it would not fill in is
refused here, with the fault named, and never saved.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from notify.models import (
    Campaign,
    MessageChannel,
    MessagePurpose,
    MessageStatus,
    NotificationPolicy,
    ReminderRule,
)
from notify.wording import check_wording
from web.widgets import IsoTimeInput


class PolicyForm(forms.ModelForm):
    class Meta:
        model = NotificationPolicy
        fields = ["sms_enabled", "sms_sender", "quiet_start", "quiet_end", "notify_staff_of_online_bookings"]
        widgets = {"quiet_start": IsoTimeInput(), "quiet_end": IsoTimeInput()}
        help_texts = {"quiet_start": _("Reminders that would fall in the quiet hours are sent the evening before.")}

    def clean_sms_sender(self) -> str:
        from notify.sms.encoding import valid_sender

        name = self.cleaned_data.get("sms_sender", "")
        if name and not valid_sender(name):
            raise forms.ValidationError(_("Use up to 11 letters (A–Z, no accents), digits and spaces, "
                                          "or a phone number of up to 15 digits."), code="invalid_sender")
        return name

    def clean(self):
        data = super().clean()
        if data.get("sms_enabled") and not data.get("sms_sender") and "sms_sender" not in self.errors:
            self.add_error("sms_sender", _("Give the name the SMS messages come from."))
        return data


class ReminderRuleForm(forms.ModelForm):
    class Meta:
        model = ReminderRule
        fields = ["service", "hours_before", "channel"]
        labels = {"service": _("For")}
        help_texts = {"hours_before": _("From 1 to 168 hours (a week)."),
                      "service": _("A service's own rules replace the rules for every service.")}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        from booking.models import Service

        self.organization = organization
        self.fields["service"].queryset = Service.objects.for_organization(organization).filter(
            is_active=True).order_by("name")
        self.fields["service"].empty_label = _("Every service without rules of its own")
        self.fields["hours_before"].widget.attrs.update({"min": 1, "max": 168})

    def clean(self):
        data = super().clean()
        if {"hours_before", "channel"} <= data.keys() and ReminderRule.objects.for_organization(
                self.organization).filter(service=data.get("service"), hours_before=data["hours_before"],
                                          channel=data["channel"]).exists():
            raise forms.ValidationError(_("This reminder exists already."), code="duplicate")
        return data

    def validate_unique(self) -> None:
        """The organization is set by the view; the duplicate check is in clean()."""


class TemplateForm(forms.Form):
    """The wording of one kind, channel and language: plain text with the kind's `{placeholders}`.

    `preview` fills it with example values; a wording it cannot fill in is refused, naming the fault.
    """

    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "true"}),
                           help_text=_("Placeholders in braces, such as {client_first_name}, are filled in for "
                                       "each message; the ones this message offers are listed beside the text."))

    def __init__(self, *args, kind: str, channel: str, preview, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.channel, self._preview = kind, channel, preview
        self.rendered: tuple[str, str] | None = None
        if channel == MessageChannel.EMAIL:
            self.fields["subject"].required = True
        else:
            del self.fields["subject"]
            self.fields["body"].widget.attrs["rows"] = 6

    def clean_subject(self) -> str:
        subject = self.cleaned_data["subject"]
        check_wording(subject, self.kind)
        return subject

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].replace("\r\n", "\n")
        if not body.strip():
            raise forms.ValidationError(_("Write the text."), code="required")
        check_wording(body, self.kind)
        return body

    def clean(self):
        data = super().clean()
        if not self.errors:
            self.rendered = self._preview(data.get("subject", ""), data["body"])
        return data


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "channel", "visited_within_days", "subject", "body"]
        labels = {"name": _("Name (only you see it)")}
        widgets = {"body": forms.Textarea(attrs={"rows": 8, "class": "prose"})}
        help_texts = {"subject": _("Email only."),
                      "body": _("An unsubscribe link is added at the end of every message.")}

    def clean(self):
        data = super().clean()
        if data.get("channel") == MessageChannel.EMAIL and not (data.get("subject") or "").strip():
            self.add_error("subject", _("An email needs a subject."))
        return data


class ReminderChoicesForm(forms.Form):
    by_email = forms.BooleanField(label=_("Reminders by email"), required=False)
    by_sms = forms.BooleanField(label=_("Reminders by SMS"), required=False)


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *MessageStatus.choices])
    purpose = forms.ChoiceField(label=_("Purpose"), required=False,
                                choices=[("", _("All")), *MessagePurpose.choices])
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", _("All")), *MessageChannel.choices])


LANGUAGES = [code for code, _name in settings.LANGUAGES]
