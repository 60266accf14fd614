"""Staff pages for a client's privacy rights: export, erasure (dry run first), restriction,
objection to marketing, and the receipts kept restricted after erasure (recording a payment is a
client page, `web.client_views`).

Views stay thin: privacy.exports, privacy.erasure and clients.services do the work and write
the audit rows. Export and erasure ask for a recent re-authentication (allauth's
`reauthentication_required`), checked only after the permission and the object lookup, so a member
of another organization still sees a plain 404.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from allauth.account.decorators import reauthentication_required
from allauth.core.exceptions import ReauthenticationRequired
from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.models import Payment
from billing.sale_selectors import restricted_receipts
from clients.models import Client, ConsentSource
from clients.services import client_lift_restriction, client_object_to_marketing, client_restrict
from kernel.audit import actor_for_request, record_many
from kernel.models import AuditAction
from kernel.registry import registry
from privacy.erasure import ANONYMISE, DELETE, KEEP, ErasurePlan, plan_erasure
from privacy.erasure import erase_client as erase_client_service
from privacy.exports import ExportUnavailable, open_export, request_export
from privacy.models import DataExport, ExportStatus
from tenancy.access import get_for_member, require_perm, scoped
from tenancy.roles import Perm
from tilli.lib.fields import field_label
from web.request_forms import RestrictForm

POLL_STATUSES = (ExportStatus.QUEUED, ExportStatus.RUNNING)


def reauthenticate_first(request: HttpRequest, next_url: str, message: str | None = None) -> HttpResponse | None:
    """None when the member re-authenticated within ACCOUNT_REAUTHENTICATION_TIMEOUT, else a
    redirect to allauth's re-authentication page that returns to `next_url`.

    `next_url` is always a GET page: allauth can replay a suspended POST, but the replay calls
    the view without our middleware (no organization), so the member presses the button again.
    """
    try:
        reauthentication_required(lambda _request: None)(request)
    except ReauthenticationRequired:
        methods = get_adapter().get_reauthentication_methods(request.user)
        url = methods[0]["url"] if methods else reverse("account_reauthenticate")
        messages.info(request, message or _("Confirm it is you before exporting or erasing personal data."))
        return redirect(f"{url}?{urlencode({'next': next_url})}")
    return None


def _client_url(request: HttpRequest, client: Client, anchor: str = "") -> str:
    url = reverse("web:client_detail", kwargs={"org_slug": request.organization.slug, "client_id": client.pk})
    return f"{url}#{anchor}" if anchor else url


def latest_export(request: HttpRequest, /, **lookup) -> DataExport | None:
    return (scoped(request, DataExport).filter(**lookup).exclude(status=ExportStatus.EXPIRED)
            .order_by("-created_at", "-pk").first())


# --- export -----------------------------------------------------------------------------------------

@require_POST
def client_export_start(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_for_member(request, Client, perm=Perm.MANAGE_REQUESTS, pk=client_id)
    if (response := reauthenticate_first(request, _client_url(request, client))) is not None:
        return response
    try:
        request_export(client=client, actor=actor_for_request(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The export is being built. It is ready in a moment."))
    return redirect(_client_url(request, client, "privacy"))


def export_status(request: HttpRequest, export_id: int) -> HttpResponse:
    """The small status block that htmx polls every two seconds until the file is ready."""
    export = get_for_member(request, DataExport, perm=Perm.MANAGE_REQUESTS, pk=export_id)
    return render(request, "web/privacy/_export.html", {"export": export})


def export_download(request: HttpRequest, export_id: int) -> HttpResponse:
    export = get_for_member(request, DataExport, perm=Perm.MANAGE_REQUESTS, pk=export_id)
    if (response := reauthenticate_first(request, request.get_full_path())) is not None:
        return response
    try:
        content = open_export(export=export, actor=actor_for_request(request))
    except ExportUnavailable as error:
        return render(request, "web/privacy/export_unavailable.html",
                      {"export": export, "message": " ".join(error.messages)}, status=410)
    # The file name carries no name of the client, only the export's number.
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=f"tilli-export-{export.pk}.zip",
                        content_type="application/zip")


# --- erasure ----------------------------------------------------------------------------------------

def plan_rows(plan: ErasurePlan) -> list[dict]:
    """The dry run's items with the cleared fields named as the register names them. Derived fields
    (search keys, blind indexes) and secrets are cleared too but not listed: they are no one's data
    on their own, and the fields they come from are listed."""
    rows = []
    for item in plan.items:
        model = apps.get_model(item.label)
        hidden = registry.get(model).not_exported
        names = []
        for name in item.fields:
            if name in hidden:
                continue
            names.append(field_label(model, name))
        rows.append({"item": item, "fields": names})
    return rows


def render_erase_page(request: HttpRequest, client: Client, *, req=None, error: str | None = None,
                      back_url: str) -> HttpResponse:
    plan = plan_erasure(client)
    return render(request, "web/privacy/erase.html", {
        "client": client, "plan": plan, "rows": plan_rows(plan), "error": error, "req": req, "back_url": back_url,
        "deleted": plan.count(DELETE), "anonymised": plan.count(ANONYMISE), "kept": plan.count(KEEP)},
        status=422 if error else 200)


def client_erase(request: HttpRequest, client_id: int) -> HttpResponse:
    """GET: the dry run (what is deleted, anonymised, kept and why). POST: erase, then back to the list."""
    client = get_for_member(request, Client, perm=Perm.ERASE_CLIENTS, pk=client_id)
    erase_url = reverse("web:client_erase", kwargs={"org_slug": request.organization.slug, "client_id": client.pk})
    if (response := reauthenticate_first(request, erase_url)) is not None:
        return response
    error = None
    if request.method == "POST":
        try:
            erase_client_service(client=client, actor=actor_for_request(request))
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The client was erased. Records the law requires are kept, restricted."))
            return redirect("web:client_list", org_slug=request.organization.slug)
    return render_erase_page(request, client, error=error, back_url=_client_url(request, client))


# --- restriction and objection ----------------------------------------------------------------------

@require_POST
def client_restrict_view(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_for_member(request, Client, perm=Perm.RESTRICT_CLIENTS, pk=client_id)
    form = RestrictForm(request.POST, prefix="restrict")
    try:
        if not form.is_valid():
            raise ValidationError(list(form.errors.get("reason", [])))
        client_restrict(client=client, actor=actor_for_request(request), reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Processing is restricted: the data is kept but not used or changed."))
    return redirect(_client_url(request, client, "privacy"))


@require_POST
def client_lift_restriction_view(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_for_member(request, Client, perm=Perm.RESTRICT_CLIENTS, pk=client_id)
    client_lift_restriction(client=client, actor=actor_for_request(request))
    messages.success(request, _("The restriction was lifted."))
    return redirect(_client_url(request, client, "privacy"))


@require_POST
def client_object_view(request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_for_member(request, Client, perm=Perm.MANAGE_REQUESTS, pk=client_id)
    try:
        client_object_to_marketing(client=client, actor=actor_for_request(request), source=ConsentSource.STAFF)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The objection was recorded: no marketing on any channel."))
    return redirect(_client_url(request, client, "privacy"))


def restricted_payments(request: HttpRequest) -> HttpResponse:
    """Receipts kept after their client was erased (the counter's and those recorded by hand before it), for
    the accountant and the owner; each listing is one audited read per receipt, so the erased person's access
    trail shows it."""
    require_perm(request, Perm.VIEW_RESTRICTED_RECORDS)
    page = Paginator(restricted_receipts(request.organization), 50).get_page(request.GET.get("page"))
    for label, attr in (("billing.payment", "payment"), ("billing.sale", "sale")):
        shown = [getattr(row, attr) for row in page.object_list if getattr(row, attr) is not None]
        if shown:
            record_many(organization=request.organization, actor=actor_for_request(request),
                        action=AuditAction.VIEW, object_type=label,
                        subjects=[(obj.pk, obj.client.subject_ref if obj.client else None) for obj in shown],
                        detail={"restricted": True})
    law = registry.get(Payment).fields["amount"].ground_for(request.organization.country)
    return render(request, "web/payments/restricted.html", {"page": page, "law": law})
