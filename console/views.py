"""The operator's console under /operator/: organizations, their status and support access, ended contracts,
the sub-processor list and the operator log.

Every page needs the operator's rule (accounts.middleware.is_operator: an active staff account that used
its second factor in this session); `operator_gate` sends anyone else to the step they miss or refuses
them, as the operator admin does. Views only present: every write is a service that writes its audit rows.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.admin_site import operator_gate
from console import selectors
from console.contract import ArchiveUnavailable, archive_download, archive_for, contract_end
from console.forms import EndContractForm, ReasonForm, SearchForm, SubProcessorForm, SupportAccessForm
from kernel.audit import actor_for_request
from kernel.models import ActorKind
from privacy.models import SubProcessor
from privacy.subprocessors import FIELDS as SUBPROCESSOR_FIELDS
from privacy.subprocessors import subprocessor_add, subprocessor_remove, subprocessor_update
from tenancy.models import Organization, SupportAccess
from tenancy.status import organization_reactivate, organization_suspend, support_access_end, support_access_grant
from web.form_errors import apply_errors


def operator_only(view):
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        refusal = operator_gate(request, request.get_full_path())
        if refusal is not None:
            return refusal
        return view(request, *args, **kwargs)

    return wrapped


def _actor(request: HttpRequest):
    return actor_for_request(request, kind=ActorKind.OPERATOR)


@operator_only
def organizations(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    search = status = ""
    if form.is_valid():
        search, status = form.cleaned_data["q"], form.cleaned_data["status"]
    page = Paginator(selectors.organizations(search=search, status=status), 50).get_page(request.GET.get("page"))
    return render(request, "console/organizations.html", {"form": form, "page": page,
                                                          "deleted": selectors.deleted_organizations()[:20]})


def _organization(organization_id: int) -> Organization:
    return get_object_or_404(Organization, pk=organization_id)


@operator_only
def organization(request: HttpRequest, organization_id: int) -> HttpResponse:
    return _page(request, _organization(organization_id))


def _page(request: HttpRequest, org: Organization, status: int = 200, **forms) -> HttpResponse:
    """The organization's page; after a refused action, with that action's form and its errors."""
    context = {"org": org, "usage": selectors.usage(org), "contract": selectors.contract_end(org),
               "accesses": selectors.support_accesses(org)[:20], "log": selectors.operator_log(org.pk)[:30],
               "reason_form": ReasonForm(auto_id="status_%s"), "end_form": EndContractForm(organization=org,
                                                                                           auto_id="end_%s"),
               "support_form": SupportAccessForm(auto_id="support_%s"), "now": timezone.now(),
               "return_days": settings.CONTRACT_RETURN_DAYS, **forms}
    return render(request, "console/organization.html", context, status=status)


@require_POST
@operator_only
def status_change(request: HttpRequest, organization_id: int, action: str) -> HttpResponse:
    org = _organization(organization_id)
    form = ReasonForm(request.POST, auto_id="status_%s")
    service = {"suspend": organization_suspend, "reactivate": organization_reactivate}[action]
    if form.is_valid():
        try:
            service(organization=org, reason=form.cleaned_data["reason"], actor=_actor(request))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The organization is suspended.") if action == "suspend"
                             else _("The organization is active again."))
            return redirect("console:organization", organization_id=org.pk)
    return _page(request, org, 422, reason_form=form)


@require_POST
@operator_only
def end_contract(request: HttpRequest, organization_id: int) -> HttpResponse:
    org = _organization(organization_id)
    form = EndContractForm(request.POST, organization=org, auto_id="end_%s")
    if form.is_valid():
        try:
            ended, _token = contract_end(organization=org, reason=form.cleaned_data["reason"], actor=_actor(request))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The contract has ended. The owners were sent a link to their data; the "
                                        "organization is deleted on %(date)s.")
                             % {"date": date_format(timezone.localtime(ended.return_until), "SHORT_DATE_FORMAT")})
            return redirect("console:organization", organization_id=org.pk)
    return _page(request, org, 422, end_form=form)


@require_POST
@operator_only
def support_grant(request: HttpRequest, organization_id: int) -> HttpResponse:
    org = _organization(organization_id)
    form = SupportAccessForm(request.POST, auto_id="support_%s")
    if form.is_valid():
        try:
            support_access_grant(organization=org, operator=request.user, hours=form.cleaned_data["hours"],
                                 reason=form.cleaned_data["reason"], actor=_actor(request))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Support access is open. The owner sees it on their overview."))
            return redirect("console:organization", organization_id=org.pk)
    return _page(request, org, 422, support_form=form)


@require_POST
@operator_only
def support_end(request: HttpRequest, organization_id: int, access_id: int) -> HttpResponse:
    access = get_object_or_404(SupportAccess, organization_id=organization_id, pk=access_id)
    support_access_end(access=access, actor=_actor(request))
    messages.success(request, _("Support access ended."))
    return redirect("console:organization", organization_id=organization_id)


@operator_only
def operator_log(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.operator_log(), 50).get_page(request.GET.get("page"))
    return render(request, "console/log.html", {"page": page})


# --- sub-processors ------------------------------------------------------------------------------------------

@operator_only
def subprocessors(request: HttpRequest) -> HttpResponse:
    form = SubProcessorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subprocessor_add(**{name: form.cleaned_data[name] for name in SUBPROCESSOR_FIELDS},
                             actor=_actor(request))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Sub-processor added; every organization's owners are told."))
            return redirect("console:subprocessors")
    listing = SubProcessor.objects.order_by("removed_at", "position", "name")
    return render(request, "console/subprocessors.html", {"form": form, "subprocessors": listing},
                  status=422 if form.errors else 200)


@operator_only
def subprocessor(request: HttpRequest, subprocessor_id: int) -> HttpResponse:
    current = get_object_or_404(SubProcessor, pk=subprocessor_id, removed_at=None)
    form = SubProcessorForm(request.POST or None, instance=SubProcessor.objects.get(pk=current.pk))
    if request.method == "POST" and form.is_valid():
        try:
            changed = subprocessor_update(subprocessor=current, actor=_actor(request),
                                          **{name: form.cleaned_data[name] for name in SUBPROCESSOR_FIELDS})
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved; every organization's owners are told what changed.") if changed
                             else _("Nothing changed."))
            return redirect("console:subprocessors")
    return render(request, "console/subprocessor.html", {"form": form, "subprocessor": current},
                  status=422 if form.errors else 200)


@require_POST
@operator_only
def subprocessor_remove_view(request: HttpRequest, subprocessor_id: int) -> HttpResponse:
    current = get_object_or_404(SubProcessor, pk=subprocessor_id, removed_at=None)
    subprocessor_remove(subprocessor=current, actor=_actor(request))
    messages.success(request, _("Sub-processor removed; every organization's owners are told."))
    return redirect("console:subprocessors")


# --- the owner's single-use archive link -------------------------------------------------------------------

@login_required
def archive(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link gives (mail scanners open links too); the POST spends its single use."""
    try:
        ended = archive_for(token, request.user)
        if request.method == "POST":
            name, content = archive_download(token=token, user=request.user, actor=actor_for_request(request))
            response = HttpResponse(content, content_type="application/zip")
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    except ArchiveUnavailable as error:
        return render(request, "console/archive.html", {"error": error.message}, status=410)
    return render(request, "console/archive.html", {"ended": ended})
