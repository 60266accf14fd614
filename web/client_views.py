"""Staff panel pages of the customer register. Reads go through get_for_member (audited)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.sale_selectors import client_receipts
from clients.access_log import client_access_log
from clients.care import care_assignment_grant, care_assignment_revoke, care_team
from clients.custom_fields import custom_field_add
from clients.merging import PossibleDuplicate, client_merge, possible_duplicates
from clients.models import CareAssignment, Channel, Client, ClientKind, CustomField, MarketingConsent, Visit
from clients.permissions import can_see_records, can_write_records
from clients.selectors import records_for, search_clients_for
from clients.services import (
    client_create,
    client_reveal_national_id,
    client_set_reminder_choices,
    client_update,
    ensure_not_restricted,
    marketing_allowed,
    marketing_consent_set,
    record_create,
    special_approval_set,
    special_records_approved,
    visit_create,
)
from kernel.audit import actor_for_request
from notify.models import Message, MessagePurpose
from privacy.models import DataSubjectRequest, RequestStatus
from tenancy.access import PermissionDenied404, get_for_member, require_perm, scoped
from tenancy.roles import Perm
from web.client_forms import (
    CareAssignmentForm,
    ClientForm,
    ClientSearchForm,
    CustomFieldForm,
    MergeForm,
    RecordForm,
    VisitForm,
)
from web.client_timeline import client_timeline
from web.form_errors import apply_errors
from web.message_forms import ReminderChoicesForm
from web.message_views import kind_label
from web.privacy_views import latest_export
from web.request_forms import RestrictForm


def _custom_fields(request):
    return scoped(request, CustomField).filter(is_active=True)


def client_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.VIEW_CLIENTS)
    # POST, so names, phone numbers and IDs typed into the search never appear in a URL or a request log.
    form = ClientSearchForm(request.POST or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if query:
        results = search_clients_for(request.organization, query, actor=actor_for_request(request))
    else:
        results = list(scoped(request, Client).order_by("-updated_at")[:25])
    template = "web/clients/_results.html" if request.htmx else "web/clients/list.html"
    return render(request, template, {"form": form, "results": results, "query": query})


def client_new(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.EDIT_CLIENTS)
    kind = request.GET.get("kind", ClientKind.PERSON)
    company = None
    if request.GET.get("company", "").isdigit():
        company = get_for_member(request, Client, perm=Perm.EDIT_CLIENTS, pk=int(request.GET["company"]),
                                 kind=ClientKind.COMPANY)
    form = ClientForm(request.POST or None, organization=request.organization, custom_fields=_custom_fields(request),
                      initial={"kind": kind})
    duplicates: list[Client] = []
    if request.method == "POST" and form.is_valid():
        try:
            client = client_create(organization=request.organization, actor=actor_for_request(request),
                                   kind=form.cleaned_data.get("kind") or ClientKind.PERSON, company=company,
                                   allow_duplicate=request.POST.get("confirm_duplicate") == "1",
                                   **form.service_data())
        except PossibleDuplicate as duplicate:
            duplicates = duplicate.clients
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Client saved."))
            return redirect("web:client_detail", org_slug=request.organization.slug, client_id=client.pk)
    return render(request, "web/clients/form.html", {"form": form, "client": None, "company": company,
                                                     "duplicates": duplicates},
                  status=409 if duplicates else 200)


def client_detail(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_for_member(request, Client, perm=Perm.VIEW_CLIENTS, pk=client_id)
    return render_client_detail(request, client)


def render_client_detail(request: HttpRequest, client: Client, *,
                         care_form: CareAssignmentForm | None = None, status: int = 200) -> HttpResponse:
    """The client page; a form that failed (e.g. a payment) is passed in bound, so no input is lost."""
    membership = request.membership
    visits = Paginator(scoped(request, Visit).filter(client=client).select_related("practitioner__user")
                       .order_by("-visited_at"), 20).get_page(request.GET.get("visits"))
    show_records = can_see_records(membership, client)
    records = records_for(client, member=membership, actor=actor_for_request(request)) if show_records else []
    access_log = None
    if membership.has_perm(Perm.VIEW_CLIENT_ACCESS_LOG):
        access_log = Paginator(client_access_log(client), 25).get_page(request.GET.get("log"))
    editable = membership.has_perm(Perm.EDIT_CLIENTS) and not client.is_restricted
    payments = None
    if membership.has_perm(Perm.VIEW_PAYMENTS):
        payments = client_receipts(request.organization, client)
    can_sell = membership.has_perm(Perm.RECORD_PAYMENTS) and not client.is_restricted
    privacy = None
    if membership.has_perm(Perm.MANAGE_REQUESTS):
        privacy = {"export": latest_export(request, client=client), "restrict_form": RestrictForm(prefix="restrict"),
                   "open_requests": scoped(request, DataSubjectRequest).filter(
                       client=client, status__in=(RequestStatus.OPEN, RequestStatus.EXTENDED)).order_by("due_at")}
    return render(request, "web/clients/detail.html", {
        "client": client, "visits": visits, "client_messages": _client_messages(request, client), "records": records,
        "show_records": show_records,
        "records_approved": special_records_approved(client), "access_log": access_log,
        "marketing": {channel: marketing_allowed(client, channel) for channel in Channel.values},
        "consent_history": scoped(request, MarketingConsent).filter(client=client).order_by("-recorded_at")[:20],
        "custom_fields": [(d, client.custom_fields.get(d.key, "")) for d in _custom_fields(request)],
        "editable": editable,
        "visit_form": VisitForm(organization=request.organization) if editable else None,
        "can_write_records": can_write_records(membership, client),
        "record_form": RecordForm() if can_write_records(membership, client) and not client.is_restricted else None,
        "care": _care(request, client, care_form),
        "contact_persons": client.contact_persons.all() if client.kind == ClientKind.COMPANY else [],
        "payments": payments, "can_sell": can_sell, "privacy": privacy,
        "duplicates": [] if client.is_restricted or client.kind != ClientKind.PERSON else list(possible_duplicates(
            request.organization, first_name=client.first_name, last_name=client.last_name, phone=client.phone,
            exclude=client)),
        "timeline": client_timeline(request, client),
    }, status=status)


def _care(request: HttpRequest, client: Client, form: CareAssignmentForm | None) -> dict | None:
    """For the owner: who treats the client now and why, and the form to let another practitioner do so."""
    if not request.membership.has_perm(Perm.MANAGE_CARE_ASSIGNMENTS):
        return None
    if form is None and not client.is_restricted:
        form = CareAssignmentForm(organization=request.organization, prefix="care")
    return {"team": care_team(client), "form": form, "days": settings.CARE_AFTER_APPOINTMENT_DAYS}


def _client_messages(request: HttpRequest, client: Client) -> dict | None:
    """The messages sent to the client (not staff notes about their bookings) and their reminder choices."""
    if not request.membership.has_perm(Perm.VIEW_CLIENT_MESSAGES):
        return None
    rows = (scoped(request, Message).filter(client=client).exclude(purpose=MessagePurpose.STAFF)
            .only("pk", "kind", "channel", "status", "created_at", "sent_at", "next_attempt_at")
            .order_by("-created_at", "-pk"))
    page = Paginator(rows, 20).get_page(request.GET.get("messages"))
    for message in page:
        message.kind_label = kind_label(message.kind)
    editable = request.membership.has_perm(Perm.EDIT_CLIENTS) and not client.is_restricted
    return {"page": page, "form": ReminderChoicesForm(initial={
        "by_email": client.reminders_by_email, "by_sms": client.reminders_by_sms}) if editable else None}


@require_POST
def client_reminders(request: HttpRequest, client_id: int) -> HttpResponse:
    """The client's own reminder choices, changed by staff at the client's request."""
    client = get_for_member(request, Client, perm=Perm.EDIT_CLIENTS, pk=client_id)
    require_perm(request, Perm.VIEW_CLIENT_MESSAGES)
    form = ReminderChoicesForm(request.POST)
    form.is_valid()  # two checkboxes: always valid
    try:
        changed = client_set_reminder_choices(client=client, actor=actor_for_request(request),
                                              by_email=form.cleaned_data["by_email"],
                                              by_sms=form.cleaned_data["by_sms"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Reminder choices saved.") if changed else _("Nothing changed."))
    return redirect(reverse("web:client_detail", kwargs={"org_slug": request.organization.slug,
                                                         "client_id": client.pk}) + "#messages")


def client_edit(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_for_member(request, Client, perm=Perm.EDIT_CLIENTS, pk=client_id)
    form = ClientForm(request.POST or None, instance=client, organization=request.organization,
                      custom_fields=_custom_fields(request))
    if request.method == "GET":
        try:
            ensure_not_restricted(client)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    if request.method == "POST" and form.is_valid():
        client.refresh_from_db()
        try:
            client_update(client=client, actor=actor_for_request(request), **form.service_data())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Client saved."))
            return redirect("web:client_detail", org_slug=request.organization.slug, client_id=client.pk)
    return render(request, "web/clients/form.html", {"form": form, "client": client})


@require_POST
def client_reveal(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_for_member(request, Client, perm=Perm.REVEAL_NATIONAL_ID, pk=client_id)
    value = client_reveal_national_id(client=client, actor=actor_for_request(request))
    template = "web/clients/_revealed.html" if request.htmx else "web/clients/revealed_page.html"
    return render(request, template, {"value": value, "client": client})


@require_POST
def client_marketing(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_for_member(request, Client, perm=Perm.EDIT_CLIENTS, pk=client_id)
    channel = request.POST.get("channel", "")
    try:
        marketing_consent_set(client=client, channel=channel, granted=request.POST.get("granted") == "1",
                              source="staff", actor=actor_for_request(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Marketing permission saved."))
    return redirect("web:client_detail", org_slug=request.organization.slug, client_id=client.pk)


@require_POST
def client_approval(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_for_member(request, Client, perm=Perm.WRITE_SPECIAL_RECORDS, pk=client_id)
    if not can_write_records(request.membership, client):
        raise PermissionDenied404
    special_approval_set(client=client, granted=request.POST.get("granted") == "1", source="staff",
                         actor=actor_for_request(request))
    messages.success(request, _("The client's decision was recorded."))
    return redirect("web:client_detail", org_slug=request.organization.slug, client_id=client.pk)


@require_POST
def client_record_new(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_for_member(request, Client, perm=Perm.WRITE_SPECIAL_RECORDS, pk=client_id)
    if not can_write_records(request.membership, client):
        raise PermissionDenied404
    form = RecordForm(request.POST)
    if form.is_valid():
        try:
            record_create(client=client, kind=form.cleaned_data["kind"], body=form.cleaned_data["body"],
                          author=request.membership, actor=actor_for_request(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Entry saved."))
    else:
        messages.error(request, _("Write the entry."))
    return redirect("web:client_detail", org_slug=request.organization.slug, client_id=client.pk)


@require_POST
def client_care_grant(request: HttpRequest, client_id: int) -> HttpResponse:
    """The owner lets a practitioner treat the client; the page comes back with the form's errors if any."""
    client = get_for_member(request, Client, perm=Perm.MANAGE_CARE_ASSIGNMENTS, pk=client_id)
    form = CareAssignmentForm(request.POST, organization=request.organization, prefix="care")
    if form.is_valid():
        try:
            care_assignment_grant(client=client, practitioner=form.cleaned_data["practitioner"],
                                  ends_on=form.cleaned_data["ends_on"], actor=actor_for_request(request))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The practitioner may now read and write this client's sensitive entries."))
            return redirect(reverse("web:client_detail", kwargs={"org_slug": request.organization.slug,
                                                                 "client_id": client.pk}) + "#care")
    return render_client_detail(request, client, care_form=form, status=422)


@require_POST
def client_care_revoke(request: HttpRequest, client_id: int, assignment_id: int) -> HttpResponse:
    client = get_for_member(request, Client, perm=Perm.MANAGE_CARE_ASSIGNMENTS, pk=client_id)
    assignment = get_for_member(request, CareAssignment, perm=Perm.MANAGE_CARE_ASSIGNMENTS, pk=assignment_id,
                                client=client)
    care_assignment_revoke(assignment=assignment, actor=actor_for_request(request))
    messages.success(request, _("The access was revoked."))
    return redirect(reverse("web:client_detail", kwargs={"org_slug": request.organization.slug,
                                                         "client_id": client.pk}) + "#care")


@require_POST
def client_visit_new(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_for_member(request, Client, perm=Perm.EDIT_CLIENTS, pk=client_id)
    form = VisitForm(request.POST, organization=request.organization)
    if form.is_valid():
        try:
            visit_create(client=client, actor=actor_for_request(request), **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Visit saved."))
    else:
        messages.error(request, _("Check the visit's time and details."))
    return redirect("web:client_detail", org_slug=request.organization.slug, client_id=client.pk)


def client_merge_view(request: HttpRequest, client_id: int) -> HttpResponse:
    """Merge another client (by number; the client page of a possible duplicate posts it) into this one."""
    survivor = get_for_member(request, Client, perm=Perm.MERGE_CLIENTS, pk=client_id)
    form = MergeForm(request.POST or None, initial={"duplicate": request.GET.get("duplicate")})
    if request.method == "POST" and form.is_valid():
        duplicate = get_for_member(request, Client, perm=Perm.MERGE_CLIENTS, pk=form.cleaned_data["duplicate"])
        try:
            client_merge(survivor=survivor, duplicate=duplicate, actor=actor_for_request(request))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The clients were merged."))
            return redirect("web:client_detail", org_slug=request.organization.slug, client_id=survivor.pk)
    return render(request, "web/clients/merge.html", {"client": survivor, "form": form})


def custom_fields(request: HttpRequest) -> HttpResponse:
    """The organization's own client fields (e.g. a video-call address); owners define them."""
    require_perm(request, Perm.MANAGE_CUSTOM_FIELDS)
    form = CustomFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            custom_field_add(organization=request.organization, actor=actor_for_request(request),
                             **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Field added."))
            return redirect("web:custom_fields", org_slug=request.organization.slug)
    return render(request, "web/clients/custom_fields.html", {
        "form": form, "definitions": scoped(request, CustomField).order_by("position", "label")})


