"""Forms of the message pages: sending policy, reminder rules, wording, campaigns, reminder choices.

They collect and check input; what a message says and who gets it is notify's (rendering,
campaigns). A template is checked by rendering it, so a wording that cannot be rendered is
refused here and never saved.
"""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.template import TemplateSyntaxError, engines
from django.utils.translation import gettext_lazy as _

from notify.models import (
    Campaign,
    MessageChannel,
    MessagePurpose,
    MessageStatus,
    NotificationPolicy,
    ReminderRule,
)

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")

# Wording is the organization's plain text with a few placeholders. Tags that reach beyond the
# message's own context (other template files, the debug dump, arbitrary tag libraries) are refused.
_FORBIDDEN_TAG = re.compile(r"{%-?\s*(debug|include|extends|ssi)\b")
_LOAD_TAG = re.compile(r"{%-?\s*load\s+([^%]*)%}")
_ALLOWED_LIBRARIES = {"i18n", "l10n", "tz"}


class PolicyForm(forms.ModelForm):
    class Meta:
        model = NotificationPolicy
        fields = ["sms_enabled", "sms_sender", "quiet_start", "quiet_end", "notify_staff_of_online_bookings"]
        widgets = {"quiet_start": TIME, "quiet_end": TIME}
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


def _check_tags(text: str) -> None:
    if _FORBIDDEN_TAG.search(text):
        raise forms.ValidationError(_("This tag cannot be used in a message."), code="forbidden_tag")
    for libraries in _LOAD_TAG.findall(text):
        if not set(libraries.split()) <= _ALLOWED_LIBRARIES:
            raise forms.ValidationError(_("Only the i18n, l10n and tz tag libraries can be loaded."),
                                        code="forbidden_tag")


def _compiles(text: str) -> None:
    try:
        engines["django"].from_string(text)
    except TemplateSyntaxError as error:
        raise forms.ValidationError(_("The text has a template error: %(error)s"), code="syntax",
                                    params={"error": str(error)[:200]}) from None


class TemplateForm(forms.Form):
    """The wording of one kind, channel and language; `render` (the preview) proves it can be sent."""

    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "true"}),
                           help_text=_("Placeholders such as {{ organization.name }}, {{ client.first_name }}, "
                                       "{{ appointment.service.name }}, {{ start|date:\"j.n.\" }}, "
                                       "{{ start|time:\"H:i\" }} and {{ manage_url }} are filled in for each message."))

    def __init__(self, *args, channel: str, render, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel, self._render = channel, render
        self.rendered: tuple[str, str] | None = None
        if channel == MessageChannel.EMAIL:
            self.fields["subject"].required = True
        else:
            del self.fields["subject"]
            self.fields["body"].widget.attrs["rows"] = 6

    def clean_subject(self) -> str:
        subject = self.cleaned_data["subject"]
        _check_tags(subject)
        _compiles(subject)
        return subject

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].replace("\r\n", "\n")
        if not body.strip():
            raise forms.ValidationError(_("Write the text."), code="required")
        _check_tags(body)
        _compiles(body)
        return body

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                self.rendered = self._render(data.get("subject", ""), data["body"])
            except Exception as error:  # any failure to render refuses the wording
                raise forms.ValidationError(_("The text could not be filled in: %(error)s"), code="render",
                                            params={"error": str(error)[:200] or type(error).__name__}) from None
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
