"""The client portal: a client sees everything stored about them, corrects contact data,
sets marketing permissions per channel, withdraws approvals, downloads a copy of their
data, sends requests to the organization and deletes their account. Every view and
change is audited as the client's and goes through the services; these views are glue.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from billing.online_payments import payments_by_appointment
from booking.models import Appointment, AppointmentState
from booking.notifications import manage_token
from clients.access_log import client_access_log
from clients.models import (
    Channel,
    ClientRecord,
    ClientSignIn,
    ConsentSource,
    MarketingConsent,
    SignInMethod,
    SpecialCategoryApproval,
    Visit,
)
from clients.portal import (
    SESSION_KEY,
    client_actor,
    link_is_valid,
    link_requests_exceeded,
    password_attempts_exceeded,
    password_sign_in,
    set_portal_password,
    sign_in,
    signed_in_client,
    signed_in_recently,
    use_login_link,
)
from clients.services import (
    client_object_to_marketing,
    client_set_reminder_choices,
    client_update,
    marketing_allowed,
    marketing_consent_set,
    special_approval_set,
    special_records_approved,
)
from kernel.audit import record_many
from kernel.models import AuditAction
from notify.models import Message, MessagePurpose, MessageStatus
from notify.services import request_portal_link
from privacy.erasure import KEEP, plan_erasure
from privacy.exports import ExportUnavailable, open_export
from privacy.models import DataSubjectRequest, RequestChannel, RequestKind
from privacy.portal import (
    IN_PROGRESS,
    own_exports,
    pending_limit_decision,
    portal_copy_request,
    portal_erase_account,
)
from privacy.requests import request_create
from tenancy.public import public_organization
from tenancy.public_writes import WriteRefused, count_public_write
from tenancy.ratelimit import over_limit
from tilli.errors import Conflict
from web.form_errors import apply_errors
from web.message_views import kind_label

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
        with timezone.override(organization.time_zone):
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
    if request.method == "POST":
        try:
            count_public_write(request)
        except WriteRefused as refused:
            chosen = password_form if password_mode else form
            chosen.is_valid()
            chosen.add_error(None, refused.message)
    if password_mode and password_form.is_valid():
        email = password_form.cleaned_data["email"]
        client = None
        if password_attempts_exceeded(organization=organization, email=email):
            password_form.add_error(None, _("Too many requests. Try again in a few minutes."))
        else:
            client = password_sign_in(organization=organization, email=email,
                                      password=password_form.cleaned_data["password"])
            if client is None:
                password_form.add_error(None, _("The email address or the password is not right."))
        if client is not None:
            sign_in(request, client, method=SignInMethod.PASSWORD)
            return redirect("portal:home", portal_slug=organization.slug)
    elif request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if link_requests_exceeded(organization=organization, email=email):
            form.add_error(None, _("Too many requests. Try again in a few minutes."))
        else:
            request_portal_link(organization=organization, email=email)
            sent = True
    return render(request, "portal/start.html", {"portal_org": organization, "form": form, "sent": sent,
                                                 "password_form": password_form})


def link(request, portal_slug: str, token: str):
    """GET shows a button, POST signs in: mail scanners that fetch links do not use them up."""
    organization = public_organization(portal_slug, request)
    if request.method == "POST":
        client = use_login_link(organization=organization, token=token)
        if client is not None:
            sign_in(request, client, method=SignInMethod.LINK)
            return redirect("portal:home", portal_slug=organization.slug)
    elif link_is_valid(organization=organization, token=token):
        return render(request, "portal/link.html", {"portal_org": organization})
    return render(request, "portal/link_invalid.html", {"portal_org": organization}, status=404)


def _upcoming(request, organization, client) -> list[dict]:
    """The client's coming appointments, each with its signed manage link: moving and cancelling happen
    there, by the same rules (deadline, free times) as from the link in the confirmation email."""
    appointments = list(Appointment.objects.for_organization(organization)
                        .filter(client=client, start__gte=timezone.now(),
                                state__in=(AppointmentState.BOOKED, AppointmentState.CONFIRMED))
                        .select_related("service", "staff", "location").order_by("start", "pk")[:50])
    if appointments:
        record_many(organization=organization, actor=client_actor(request, client), action=AuditAction.VIEW,
                    object_type=Appointment._meta.label_lower, detail={"via": "portal"},
                    subjects=[(str(a.pk), client.subject_ref) for a in appointments])
    payments = payments_by_appointment(organization, [a.pk for a in appointments])
    return [{"appointment": a, "manage_href": reverse("public_booking:manage", args=[organization.slug,
                                                                                    manage_token(a)]),
             "payment": payments.get(a.pk)}
            for a in appointments]


@portal_client_required
def home(request, organization, client):
    record_many(organization=organization, actor=client_actor(request, client), action=AuditAction.VIEW,
                object_type=client._meta.label_lower, subjects=[(client.pk, client.subject_ref)],
                detail={"via": "portal"})
    return render(request, "portal/home.html", {
        "portal_org": organization, "client": client, "upcoming": _upcoming(request, organization, client),
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
            apply_errors(form, error)
        else:
            messages.success(request, _("Your details were saved.") if changed else _("Nothing changed."))
            return redirect("portal:home", portal_slug=organization.slug)
    return render(request, "portal/contact.html", {"portal_org": organization, "form": form})


BACK_TO = {"home": "portal:home", "consents": "portal:marketing"}


def _back(request, organization):
    """Back to the page the form was on (a fixed list of names, never a URL from the request)."""
    return redirect(BACK_TO.get(request.POST.get("next", ""), "portal:home"), portal_slug=organization.slug)


@portal_client_required
def marketing(request, organization, client):
    """GET: the client's permissions page. POST: allow or stop marketing on one channel."""
    if request.method == "POST":
        channel = request.POST.get("channel", "")
        try:
            marketing_consent_set(client=client, channel=channel, granted=request.POST.get("granted") == "1",
                                  source=ConsentSource.PORTAL, actor=client_actor(request, client))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your choice was saved."))
        return _back(request, organization)
    approvals = SpecialCategoryApproval.objects.for_organization(organization).filter(client=client)
    return render(request, "portal/consents.html", {
        "portal_org": organization, "client": client,
        "marketing": {channel: marketing_allowed(client, channel) for channel in Channel.values},
        "consents": MarketingConsent.objects.for_organization(organization).filter(client=client)
        .order_by("-recorded_at"),
        "special_approved": special_records_approved(client),
        "special_history": approvals.order_by("-recorded_at", "-pk"),
        "record_count": ClientRecord.objects.for_organization(organization).filter(client=client).count(),
    })


@require_POST
@portal_client_required
def marketing_objection(request, organization, client):
    """One button for 'no direct marketing at all' (GDPR Art. 21(3)): every channel is withdrawn at once."""
    client_object_to_marketing(client=client, actor=client_actor(request, client), source=ConsentSource.PORTAL)
    messages.success(request, _("Done: you will get no marketing from us by any channel. "
                                "Reminders of your bookings still come."))
    return redirect("portal:marketing", portal_slug=organization.slug)


@require_POST
@portal_client_required
def special_approval(request, organization, client):
    """Give or withdraw the approval for health and other sensitive entries: one button either way."""
    granted = request.POST.get("granted") == "1"
    if granted != special_records_approved(client):
        special_approval_set(client=client, granted=granted, source=ConsentSource.PORTAL,
                             actor=client_actor(request, client))
    messages.success(request, _("Your approval is now in force.") if granted
                     else _("Your approval is withdrawn. No new sensitive entries will be made about you."))
    return redirect("portal:marketing", portal_slug=organization.slug)


# Messages: what was sent to the client, and their reminder choices.

# A message that was never sent (skipped, cancelled, failed) is not something the client received.
SHOWN_TO_CLIENT = (MessageStatus.SENT, MessageStatus.QUEUED, MessageStatus.SENDING)


class ReminderChoicesForm(forms.Form):
    by_email = forms.BooleanField(label=gettext_lazy("Remind me of my bookings by email"), required=False)
    by_sms = forms.BooleanField(label=gettext_lazy("Remind me of my bookings by text message (SMS)"), required=False)


@portal_client_required
def messages_page(request, organization, client):
    """GET: the messages sent to the client. POST: their reminder choices (the same service staff use)."""
    actor = client_actor(request, client)
    if request.method == "POST":
        form = ReminderChoicesForm(request.POST)
        form.is_valid()  # two checkboxes: always valid
        try:
            changed = client_set_reminder_choices(client=client, actor=actor, by_email=form.cleaned_data["by_email"],
                                                  by_sms=form.cleaned_data["by_sms"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your choice was saved.") if changed else _("Nothing changed."))
        return redirect("portal:messages", portal_slug=organization.slug)
    record_many(organization=organization, actor=actor, action=AuditAction.VIEW, object_type=client._meta.label_lower,
                subjects=[(client.pk, client.subject_ref)], detail={"via": "portal", "page": "messages"})
    sent = (Message.objects.for_organization(organization).filter(client=client, status__in=SHOWN_TO_CLIENT)
            .exclude(purpose=MessagePurpose.STAFF).order_by("-created_at", "-pk")[:200])
    rows = [{"message": m, "kind": kind_label(m.kind), "pending": m.status != MessageStatus.SENT} for m in sent]
    return render(request, "portal/messages.html", {
        "portal_org": organization, "client": client, "rows": rows,
        "form": ReminderChoicesForm(initial={"by_email": client.reminders_by_email, "by_sms": client.reminders_by_sms}),
    })


# My data: a copy of everything, and the client's sign-ins.

COPIES_PER_DAY = 3


def _data_context(organization, client, **extra) -> dict:
    export = own_exports(client).select_related("request").order_by("-created_at", "-pk").first()
    return {
        "portal_org": organization, "client": client, "export": export,
        "polling": export is not None and export.status in IN_PROGRESS,
        "limit_pending": pending_limit_decision(client),
        "sign_ins": ClientSignIn.objects.for_organization(organization).filter(client=client).order_by("-at")[:50],
        "now": timezone.now(), "link_days": settings.EXPORT_LINK_DAYS,
        "sign_in_days": settings.SECURITY_LOG_RETENTION_DAYS,
        **extra,
    }


@portal_client_required
def data(request, organization, client):
    """GET: the latest copy and its progress, and the sign-ins. POST: ask for a new copy."""
    if request.method == "POST":
        _ask_for_copy(request, organization, client)
        return redirect("portal:data", portal_slug=organization.slug)
    return render(request, "portal/data.html", _data_context(organization, client))


def _ask_for_copy(request, organization, client) -> None:
    """A copy request (GDPR Art. 20) from the portal, identity already verified; the copy is built
    in the background. Over the organization's yearly limit the owner decides first (Art. 12(5))."""
    if over_limit(f"portal-copy:{organization.pk}:{client.pk}", COPIES_PER_DAY, 24 * 3600):
        messages.error(request, _("You have asked for several copies today. Please try again tomorrow."))
        return
    try:
        portal_copy_request(client=client, actor=client_actor(request, client))
    except Conflict as refused:
        messages.info(request, refused.message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    # The data page shows what happens next: the copy's progress, or that the owner decides first.


def _date(day: dt.date) -> str:
    from django.utils.formats import date_format

    return date_format(day, "DATE_FORMAT")


@portal_client_required
def export_status(request, organization, client, export_id: int):
    """The progress partial the data page polls every 2 s; HTTP 286 tells htmx to stop polling."""
    export = get_object_or_404(own_exports(client), pk=export_id)
    response = render(request, "portal/_export_status.html", {"portal_org": organization, "export": export,
                                                              "now": timezone.now()})
    if export.status not in IN_PROGRESS:
        response.status_code = 286
    return response


@portal_client_required
def export_download(request, organization, client, export_id: int):
    export = get_object_or_404(own_exports(client), pk=export_id)
    try:
        content = open_export(export=export, actor=client_actor(request, client))
    except ExportUnavailable:
        return render(request, "portal/data.html", _data_context(organization, client, unavailable=True),
                      status=410)
    response = HttpResponse(content, content_type="application/zip")
    name = f"{organization.slug}-my-data-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


# Requests to the organization.

PORTAL_REQUEST_KINDS = [
    (RequestKind.RECTIFICATION, gettext_lazy("Correct information about me")),
    (RequestKind.RESTRICTION, gettext_lazy("Stop using my information for now, but keep it")),
    (RequestKind.OBJECTION, gettext_lazy("Object to marketing or other use of my information")),
    (RequestKind.CONSENT_WITHDRAWAL, gettext_lazy("Withdraw a permission I gave")),
]
REQUEST_LABELS = {
    RequestKind.ACCESS: gettext_lazy("See what you keep about me"),
    RequestKind.COPY: gettext_lazy("A copy of my information"),
    RequestKind.ERASURE: gettext_lazy("Delete my information"),
    **dict(PORTAL_REQUEST_KINDS),
}
REQUESTS_PER_DAY = 10


class PortalRequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What do you ask for?"),
                             choices=[("", "—"), *PORTAL_REQUEST_KINDS])
    details = forms.CharField(
        label=gettext_lazy("Tell us more"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5, "class": "prose"}),
        help_text=gettext_lazy("For example: which detail is wrong and what is right, or which permission you "
                               "withdraw."))


@portal_client_required
def requests(request, organization, client):
    form = PortalRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if over_limit(f"portal-request:{organization.pk}:{client.pk}", REQUESTS_PER_DAY, 24 * 3600):
            form.add_error(None, _("You have sent many requests today. Please try again tomorrow."))
        else:
            try:
                req = request_create(organization=organization, kind=form.cleaned_data["kind"],
                                     channel=RequestChannel.PORTAL, actor=client_actor(request, client),
                                     client=client, details=form.cleaned_data["details"])
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Your request was sent. %(organization)s will answer by %(date)s.") % {
                    "organization": organization.name, "date": _date(req.effective_due)})
                return redirect("portal:requests", portal_slug=organization.slug)
    own = (DataSubjectRequest.objects.filter(organization=organization, client=client)
           .order_by("-received_at", "-pk"))
    return render(request, "portal/requests.html", {
        "portal_org": organization, "form": form,
        "requests": [(req, REQUEST_LABELS.get(req.kind, req.get_kind_display())) for req in own],
    })


# Delete my account.

PLAN_LABELS = {
    "clients.Client": gettext_lazy("Your name, contact details and everything else in your customer record"),
    "clients.Visit": gettext_lazy("Your visits"),
    "clients.ClientRecord": gettext_lazy("Health and other sensitive entries"),
    "clients.SpecialCategoryApproval": gettext_lazy("Your approvals for sensitive entries"),
    "clients.MarketingConsent": gettext_lazy("Your marketing choices"),
    "clients.ClientSignIn": gettext_lazy("Your sign-ins to this page"),
    "clients.PortalLoginToken": gettext_lazy("Sign-in links sent to you"),
    "booking.Appointment": gettext_lazy("Your bookings, past and upcoming"),
    "booking.AppointmentTransition": gettext_lazy("The history of your bookings"),
    "billing.Payment": gettext_lazy("Receipts of your payments"),
    "billing.Sale": gettext_lazy("Receipts of your purchases"),
    "billing.SaleLine": gettext_lazy("What your receipts list"),
    "billing.SaleTender": gettext_lazy("How you paid"),
    "billing.Voucher": gettext_lazy("Gift and series cards in your name"),
    "billing.VoucherUse": gettext_lazy("Uses of your gift and series cards"),
    "privacy.DataSubjectRequest": gettext_lazy("A note of your requests to us and when we answered them"),
    "privacy.DataExport": gettext_lazy("Copies of your data made for you"),
}


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that my information will be deleted for good and cannot be restored."),
        error_messages={"required": gettext_lazy("Tick the box to confirm that you want to delete your account.")})


def _plan_for_people(client) -> tuple[list[str], list[dict]]:
    """The erasure plan in plain words: what goes (deleted or made anonymous), and what a law keeps, until when."""
    removed: list[str] = []
    kept: list[dict] = []
    items = sorted(plan_erasure(client).items, key=lambda item: item.label != "clients.Client")  # the record first
    for item in items:
        label = str(PLAN_LABELS.get(item.label, item.name.capitalize()))
        if item.action == KEEP:
            kept.append({"label": label, "until": item.keep_until, "ground": item.legal_ground})
        elif label not in removed:
            removed.append(label)
    return removed, kept


@portal_client_required
def delete_account(request, organization, client):
    """Erasure (GDPR Art. 17) by the client: a request from the portal, carried out and answered at once.

    Like other destructive privacy actions it needs a fresh sign-in."""
    if not signed_in_recently(request):
        return render(request, "portal/delete_sign_in_again.html", {"portal_org": organization})
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            portal_erase_account(client=client, actor=client_actor(request, client))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            request.session.flush()
            return redirect("portal:goodbye", portal_slug=organization.slug)
    removed, kept = _plan_for_people(client)
    return render(request, "portal/delete.html", {"portal_org": organization, "form": form, "removed": removed,
                                                  "kept": kept})


def goodbye(request, portal_slug: str):
    organization = public_organization(portal_slug, request)
    return render(request, "portal/goodbye.html", {"portal_org": organization})


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
