"""The client portal: a client sees everything stored about them, corrects contact data,
and sets marketing permissions per channel. Every view and change is audited as the client's.
"""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clients.access_log import client_access_log
from clients.models import Channel, ClientRecord, MarketingConsent, Visit
from clients.portal import (
    SESSION_KEY,
    client_actor,
    link_is_valid,
    link_requests_exceeded,
    password_attempts_exceeded,
    password_sign_in,
    send_login_link,
    set_portal_password,
    sign_in,
    signed_in_client,
    use_login_link,
)
from clients.services import client_update, marketing_allowed, marketing_consent_set
from privacy.audit import client_ip, record
from privacy.models import AuditAction
from tenancy.public import public_organization

CONTACT_FIELDS = ["first_name", "last_name", "email", "phone", "street_address", "postal_code", "city",
                  "preferred_language"]


class EmailForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Your email address"))


class PasswordSignInForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Your email address"))
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput)


class SetPasswordForm(forms.Form):
    password = forms.CharField(label=gettext_lazy("New password"),
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(label=gettext_lazy("New password again"),
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The passwords do not match."))
        return data


class ContactForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), required=False, max_length=100)
    last_name = forms.CharField(label=gettext_lazy("Last name"), required=False, max_length=100)
    email = forms.CharField(label=gettext_lazy("Email"), required=False, widget=forms.EmailInput)
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, widget=forms.TextInput(attrs={"type": "tel"}))
    street_address = forms.CharField(label=gettext_lazy("Street address"), required=False, max_length=200)
    postal_code = forms.CharField(label=gettext_lazy("Postal code"), required=False, max_length=20)
    city = forms.CharField(label=gettext_lazy("City"), required=False, max_length=100)
    preferred_language = forms.ChoiceField(label=gettext_lazy("Language"), required=False, choices=[
        ("", "—"), ("fi", "Suomi"), ("sv", "Svenska"), ("pl", "Polski"), ("en", "English")])




def portal_client_required(view):
    @wraps(view)
    def wrapper(request, portal_slug: str, *args, **kwargs):
        organization = public_organization(portal_slug)
        client = signed_in_client(request, organization)
        if client is None:
            return redirect("portal:start", portal_slug=organization.slug)
        public_organization(portal_slug, request, client)
        request.portal_organization, request.portal_client = organization, client
        return view(request, organization, client, *args, **kwargs)

    return wrapper


def start(request, portal_slug: str):
    organization = public_organization(portal_slug, request)
    if signed_in_client(request, organization) is not None:
        return redirect("portal:home", portal_slug=organization.slug)
    password_mode = request.POST.get("mode") == "password"
    form = EmailForm(None if password_mode else request.POST or None)
    password_form = PasswordSignInForm(request.POST if password_mode else None, prefix="pw")
    sent = False
    if password_mode and password_form.is_valid():
        email = password_form.cleaned_data["email"]
        client = None
        if password_attempts_exceeded(organization=organization, email=email, ip=client_ip(request)):
            password_form.add_error(None, _("Too many requests. Try again in a few minutes."))
        else:
            client = password_sign_in(organization=organization, email=email,
                                      password=password_form.cleaned_data["password"])
            if client is None:
                password_form.add_error(None, _("The email address or the password is not right."))
        if client is not None:
            sign_in(request, client)
            return redirect("portal:home", portal_slug=organization.slug)
    elif request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if link_requests_exceeded(organization=organization, email=email, ip=client_ip(request)):
            form.add_error(None, _("Too many requests. Try again in a few minutes."))
        else:
            send_login_link(organization=organization, email=email)
            sent = True
    return render(request, "portal/start.html", {"portal_org": organization, "form": form, "sent": sent,
                                                 "password_form": password_form})


def link(request, portal_slug: str, token: str):
    """GET shows a button, POST signs in: mail scanners that fetch links do not use them up."""
    organization = public_organization(portal_slug, request)
    if request.method == "POST":
        client = use_login_link(organization=organization, token=token)
        if client is not None:
            sign_in(request, client)
            return redirect("portal:home", portal_slug=organization.slug)
    elif link_is_valid(organization=organization, token=token):
        return render(request, "portal/link.html", {"portal_org": organization})
    return render(request, "portal/link_invalid.html", {"portal_org": organization}, status=404)


@portal_client_required
def home(request, organization, client):
    record(organization=organization, actor=client_actor(request, client), action=AuditAction.VIEW, obj=client,
           subject_ref=client.subject_ref, detail={"via": "portal"})
    return render(request, "portal/home.html", {
        "portal_org": organization, "client": client,
        "visits": Visit.objects.for_organization(organization).filter(client=client)
        .select_related("practitioner__user").order_by("-visited_at")[:200],
        "marketing": {channel: marketing_allowed(client, channel) for channel in Channel.values},
        "consents": MarketingConsent.objects.for_organization(organization).filter(client=client)
        .order_by("-recorded_at"),
        "record_count": ClientRecord.objects.for_organization(organization).filter(client=client).count(),
        "access_log": client_access_log(client)[:200],
        "custom_fields": client.custom_fields,
    })


@portal_client_required
def contact(request, organization, client):
    initial = {name: getattr(client, name) for name in CONTACT_FIELDS}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in CONTACT_FIELDS}
        try:
            changed = client_update(client=client, actor=client_actor(request, client), **changes)
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("Your details were saved.") if changed else _("Nothing changed."))
            return redirect("portal:home", portal_slug=organization.slug)
    return render(request, "portal/contact.html", {"portal_org": organization, "form": form})


@require_POST
@portal_client_required
def marketing(request, organization, client):
    channel = request.POST.get("channel", "")
    try:
        marketing_consent_set(client=client, channel=channel, granted=request.POST.get("granted") == "1",
                              source="portal", actor=client_actor(request, client))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your choice was saved."))
    return redirect("portal:home", portal_slug=organization.slug)


@require_POST
def sign_out(request, portal_slug: str):
    organization = public_organization(portal_slug)
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    return redirect("portal:start", portal_slug=organization.slug)


@portal_client_required
def password(request, organization, client):
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            set_portal_password(client=client, password=form.cleaned_data["password"],
                                actor=client_actor(request, client))
        except ValidationError as error:
            form.add_error("password", error)
        else:
            messages.success(request, _("Your password was saved. You can sign in with it or with a link."))
            return redirect("portal:home", portal_slug=organization.slug)
    return render(request, "portal/password.html", {"portal_org": organization, "form": form})
