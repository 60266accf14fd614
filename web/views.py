"""Staff panel views: thin, calling services for writes and the one door for reads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.models import Invitation, SecurityEvent
from accounts.services import invitation_create, invitation_revoke, sign_out_everywhere
from api.models import ApiToken
from api.services import api_token_create, api_token_revoke, can_export_or_erase, check_token_request
from clients.selectors import subject_names
from kernel.audit import actor_for_request, verify
from kernel.models import AuditAction, AuditEvent
from privacy.requests import open_requests, overdue_requests
from tenancy.access import get_for_member, require_perm, scoped
from tenancy.models import Membership, SupportAccess
from tenancy.roles import Perm
from tenancy.services import LastOwnerError, membership_change, organization_update, setup_checklist_hide
from tenancy.status import open_support_accesses, support_access_end
from web.form_errors import apply_errors
from web.forms import ApiTokenForm, InvitationForm, MembershipForm, OrganizationForm
from web.privacy_views import reauthenticate_first


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = list(request.user.memberships.filter(is_active=True).select_related("organization"))
    if len(memberships) == 1:
        return redirect("web:dashboard", org_slug=memberships[0].organization.slug)
    return render(request, "web/home.html", {"memberships": memberships})


def dashboard(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.VIEW_PANEL)
    staff_count = scoped(request, Membership).filter(is_active=True).count()
    requests = None
    if request.membership.has_perm(Perm.MANAGE_REQUESTS):
        requests = {"open": open_requests(request.organization).count(),
                    "overdue": overdue_requests(request.organization).count()}
    from web.backup_views import dashboard_backup
    from web.breach_views import dashboard_breaches
    from web.dashboard import business_overview, requests_by_deadline
    from web.document_views import dashboard_agreement
    from web.setup_checklist import setup_checklist

    checklist = None
    if request.membership.has_perm(Perm.MANAGE_ORGANIZATION):
        checklist = setup_checklist(request.organization)
        checklist = None if checklist.hidden else checklist

    return render(request, "web/dashboard.html", {"staff_count": staff_count, "requests": requests,
                                                  "breaches": dashboard_breaches(request),
                                                  "agreement": dashboard_agreement(request),
                                                  "backup": dashboard_backup(request),
                                                  "business": business_overview(request),
                                                  "due_requests": requests_by_deadline(request),
                                                  "checklist": checklist,
                                                  "support_accesses": _support_accesses(request)})


@require_POST
def setup_checklist_hide_view(request: HttpRequest) -> HttpResponse:
    """Hide the completed setup checklist; an unfinished one stays (it would hide what is left to do)."""
    from web.setup_checklist import setup_checklist

    require_perm(request, Perm.MANAGE_ORGANIZATION)
    if setup_checklist(request.organization).complete:
        setup_checklist_hide(organization=request.organization, actor=actor_for_request(request))
    else:
        messages.error(request, _("Finish the setup checklist first."))
    return redirect("web:dashboard", org_slug=request.organization.slug)


def _support_accesses(request: HttpRequest) -> list[SupportAccess]:
    """Open support accesses of the operator's staff, for the owner, who can end each at once."""
    if not request.membership.has_perm(Perm.MANAGE_ORGANIZATION):
        return []
    return list(open_support_accesses(request.organization))


@require_POST
def support_access_end_view(request: HttpRequest, access_id: int) -> HttpResponse:
    access = get_for_member(request, SupportAccess, perm=Perm.MANAGE_ORGANIZATION, pk=access_id)
    support_access_end(access=access, actor=actor_for_request(request))
    messages.success(request, _("The operator's support access has ended."))
    return redirect("web:dashboard", org_slug=request.organization.slug)


def staff(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.VIEW_STAFF)
    can_manage = request.membership.has_perm(Perm.MANAGE_STAFF)
    form = InvitationForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        require_perm(request, Perm.MANAGE_STAFF)
        if form.is_valid():
            try:
                invitation_create(organization=request.organization, email=form.cleaned_data["email"],
                                  role=form.cleaned_data["role"], invited_by=request.user,
                                  actor=actor_for_request(request))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Invitation sent."))  # queued in the outbox; the worker mails it
                return redirect("web:staff", org_slug=request.organization.slug)
    members = scoped(request, Membership).select_related("user").order_by("-is_active", "role", "user__email")
    invitations = scoped(request, Invitation).filter(accepted_at=None, revoked_at=None).order_by("-created_at")
    return render(request, "web/staff.html", {
        "members": members, "invitations": invitations if can_manage else [], "form": form,
        "can_manage": can_manage,
    })


def staff_member(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_for_member(request, Membership, perm=Perm.MANAGE_STAFF, pk=membership_id)
    form = MembershipForm(request.POST or None, instance=membership)
    if request.method == "POST" and form.is_valid():
        try:
            membership_change(membership=membership, actor=actor_for_request(request),
                              role=form.cleaned_data["role"], is_active=form.cleaned_data["is_active"])
        except LastOwnerError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("web:staff", org_slug=request.organization.slug)
    return render(request, "web/staff_member.html", {"member": membership, "form": form})


@require_POST
def invitation_revoke_view(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_for_member(request, Invitation, perm=Perm.MANAGE_STAFF, pk=invitation_id)
    invitation_revoke(invitation=invitation, actor=actor_for_request(request))
    messages.success(request, _("Invitation withdrawn."))
    return redirect("web:staff", org_slug=request.organization.slug)


def organization_settings(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_ORGANIZATION)
    organization = request.organization
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        organization.refresh_from_db()
        try:
            organization_update(organization=organization, actor=actor_for_request(request), **changes)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("web:organization_settings", org_slug=organization.slug)
    return render(request, "web/organization_settings.html", {"form": form})


def audit_log(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.VIEW_AUDIT_LOG)
    events = scoped(request, AuditEvent).order_by("-seq")
    action = request.GET.get("action", "")
    if action in AuditAction.values:
        events = events.filter(action=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    names = subject_names(request.organization, [e.subject_ref for e in page], member=request.membership)
    for event in page:
        event.subject_name = names.get(event.subject_ref, "")
    verification = verify(request.organization) if request.GET.get("verify") else None
    return render(request, "web/audit_log.html", {
        "page": page, "actions": AuditAction.choices, "action": action, "verification": verification,
    })


def api_tokens(request: HttpRequest) -> HttpResponse:
    """The member's own tokens. One whose role can export or erase personal data is made only after the
    member confirms it is them (allauth's re-authentication), like an export or an erasure."""
    require_perm(request, Perm.MANAGE_OWN_API_TOKENS)
    form = ApiTokenForm(request.POST or None)
    secret = None
    sensitive = can_export_or_erase(request.membership)
    if request.method == "POST" and form.is_valid():
        actor, days = actor_for_request(request), form.cleaned_data["days"]
        try:
            check_token_request(membership=request.membership, actor=actor, days=days)
            if sensitive and (response := reauthenticate_first(
                    request, request.path, _("Confirm it is you before creating a token that can export or erase "
                                             "personal data. Then create it again."))) is not None:
                return response
            _token, secret = api_token_create(membership=request.membership, name=form.cleaned_data["name"],
                                              actor=actor, days=days)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            form = ApiTokenForm()
    tokens = scoped(request, ApiToken).filter(membership=request.membership).order_by("-created_at")
    return render(request, "web/api_tokens.html", {"form": form, "tokens": tokens, "secret": secret,
                                                   "sensitive": sensitive})


@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_for_member(request, ApiToken, perm=Perm.MANAGE_OWN_API_TOKENS, pk=token_id,
                           membership=request.membership)
    api_token_revoke(token=token, actor=actor_for_request(request))
    messages.success(request, _("Token revoked."))
    return redirect("web:api_tokens", org_slug=request.organization.slug)


@login_required
def account_security(request: HttpRequest) -> HttpResponse:
    events = SecurityEvent.objects.filter(user=request.user).order_by("-created_at")
    page = Paginator(events, 30).get_page(request.GET.get("page"))
    return render(request, "web/account_security.html", {"page": page})


@login_required
@require_POST
def sign_out_everywhere_view(request: HttpRequest) -> HttpResponse:
    count = sign_out_everywhere(request=request, user=request.user)
    logout(request)
    messages.success(request, ngettext("You were signed out of %(count)d session.",
                                       "You were signed out of %(count)d sessions.", count) % {"count": count})
    return redirect("account_login")
