"""The public contact / quote-request form of an organization, /b/<org-slug>/contact/.

What the privacy notice promises (issue 8, B2): the message reaches the organization's staff
by email and is not kept. It becomes (notify.contact) one outbox row per recipient (purpose CONTACT), delivered
at once; delivery deletes the row once sent (notify.delivery._finish), so nothing of the sender
stays in the database. A temporary SMTP failure leaves the row queued for the worker's retry,
and a permanent one blanks it.

Spam is stopped without third-party services: a honeypot field a person never sees, a signed
time stamp that refuses a form sent within seconds of loading, and a per-address rate limit.
A trapped bot is shown the same thanks page as a person, and nothing is sent. The sender's
details travel only in the POST body; the thanks page has no query string.
"""

from __future__ import annotations

import time

from django import forms
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notify.contact import contact_message_send, contact_recipients
from tenancy.public import public_organization
from tenancy.public_writes import WriteRefused, count_public_write
from tenancy.ratelimit import over_limit
from tilli.lib.client_ip import client_network

MIN_FILL_SECONDS = 3
MAX_FORM_AGE = 24 * 3600
LIMIT_PER_IP = 5  # per 10 minutes
LIMIT_PER_ORGANIZATION = 60  # per hour, so a flood cannot bury the staff's inbox
STAMP_SALT = "web.contact.started"


def _stamp() -> str:
    return signing.dumps(time.time(), salt=STAMP_SALT)


class ContactForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254,
                             help_text=gettext_lazy("The reply comes to this address."),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(label=gettext_lazy("Phone (optional)"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    message = forms.CharField(label=gettext_lazy("Message"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 6, "class": "prose"}))
    # Traps: a field people never see (hidden with CSS, not type=hidden, so bots fill it in) and
    # the signed moment the form was shown.
    website = forms.CharField(label=gettext_lazy("Leave this empty"), required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["name", "email", "phone", "message"]
    expired = False

    def visible_fields(self):
        return [field for field in super().visible_fields() if field.name != "website"]

    def looks_like_a_bot(self) -> bool:
        """The honeypot was filled in, or the time stamp is missing, forged or only seconds old."""
        if self.data.get("website", "").strip():
            return True
        try:
            started = float(signing.loads(self.data.get("started", ""), salt=STAMP_SALT, max_age=MAX_FORM_AGE))
        except signing.SignatureExpired:
            return False  # a page left open for a day: checked again by clean(), which asks to send again
        except (signing.BadSignature, TypeError, ValueError):
            return True
        return time.time() - started < MIN_FILL_SECONDS

    def clean(self) -> dict:
        try:
            signing.loads(self.data.get("started", ""), salt=STAMP_SALT, max_age=MAX_FORM_AGE)
        except signing.SignatureExpired:
            self.expired = True
            raise forms.ValidationError(
                _("The form was open for a long time. Please check your message and send it again.")) from None
        except signing.BadSignature:
            pass  # missing or forged: looks_like_a_bot() drops the message
        return super().clean()


def _ip_key(request: HttpRequest) -> str:
    return f"contact:ip:{client_network(request)}"


def _public_write_refused(request: HttpRequest) -> bool:
    try:
        count_public_write(request)
    except WriteRefused:
        return True
    return False


def contact(request: HttpRequest, booking_slug: str) -> HttpResponse:
    organization = public_organization(booking_slug, request)
    form = ContactForm(request.POST or None, initial={"started": _stamp()})
    if request.method == "POST":
        if (_public_write_refused(request) or over_limit(_ip_key(request), LIMIT_PER_IP)
                or over_limit(f"contact:org:{organization.pk}", LIMIT_PER_ORGANIZATION, 3600)):
            form.is_valid()
            form.add_error(None, _("Too many messages were sent from here. Try again in a few minutes."))
        elif form.is_valid():  # errors are shown to anyone; a bot's valid-looking message is dropped quietly
            if not form.looks_like_a_bot():
                contact_message_send(organization=organization, **{name: form.cleaned_data[name] for name in
                                                                   ("name", "email", "phone", "message")})
            return redirect("public_booking:contact_sent", booking_slug=organization.slug)
        if form.expired:  # the input is kept, with a fresh time stamp for sending again
            data = request.POST.copy()
            data["started"] = _stamp()
            form.data = data
    return render(request, "booking/contact.html", {"booking_org": organization, "form": form,
                                                    "can_receive": bool(contact_recipients(organization))})


def contact_sent(request: HttpRequest, booking_slug: str) -> HttpResponse:
    organization = public_organization(booking_slug, request)
    return render(request, "booking/contact_sent.html", {"booking_org": organization})
