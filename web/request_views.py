"""The data-subject request queue and each request's page.

Any client-facing member records a request as it arrives (RECORD_REQUESTS); only the owner
answers it (MANAGE_REQUESTS). Every action is a POST to the request's page naming its
`action`; the rules are privacy.requests' and the other services', whose ValidationErrors come
back on the form that was sent, with what was typed still in it.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from clients.models import Client, ConsentSource
from clients.selectors import search_clients_for
from clients.services import client_object_to_marketing, client_restrict
from kernel.audit import actor_for_request, record_many
from kernel.models import AuditAction
from privacy.erasure import erase_client
from privacy.errors import RequestError
from privacy.exports import request_export
from privacy.models import FULL_LISTING_KINDS, DataSubjectRequest, LimitDecision, RequestKind, RequestStatus
from privacy.requests import (
    open_requests,
    request_complete,
    request_create,
    request_decide_limit,
    request_extend,
    request_link_client,
    request_refuse,
    request_verify_identity,
)
from tenancy.access import get_for_member, require_perm, scoped
from tenancy.roles import Perm
from tilli.errors import Conflict
from web.form_errors import apply_errors
from web.privacy_views import latest_export, reauthenticate_first, render_erase_page
from web.request_forms import (
    ClientChoiceForm,
    CompleteForm,
    ExtendForm,
    IdentityForm,
    LimitForm,
    RefuseForm,
    RequestCreateForm,
    RestrictForm,
)

CLOSED = (RequestStatus.COMPLETED, RequestStatus.REFUSED)


def _detail_url(request: HttpRequest, req: DataSubjectRequest) -> str:
    return reverse("web:request_detail", kwargs={"org_slug": request.organization.slug, "request_id": req.pk})


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _search(request: HttpRequest, via: str) -> tuple[str, list[Client], Client | None]:
    """The POSTed client search (names never travel in a URL) and the client chosen from it."""
    query = request.POST.get("q", "").strip()[:100]
    results = search_clients_for(request.organization, query, actor=actor_for_request(request), limit=10,
                                 via=via) if query else []
    chosen = None
    chosen_id = _int(request.POST.get("client"))
    if chosen_id is not None:
        try:
            chosen = get_for_member(request, Client, perm=Perm.VIEW_CLIENTS, pk=chosen_id)
        except Http404:
            chosen = None
        if chosen is not None and all(c.pk != chosen.pk for c in results):
            results.insert(0, chosen)
    return query, results, chosen


def _flag(req: DataSubjectRequest, today) -> DataSubjectRequest:
    req.overdue = req.is_open and req.effective_due < today
    req.needs_decision = req.limit_decision == LimitDecision.PENDING
    req.attention = req.overdue or req.needs_decision or req.status == RequestStatus.EXTENDED or (
        req.is_open and req.identity_verified_at is None)
    return req


# --- the queue --------------------------------------------------------------------------------------

def requests_queue(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.RECORD_REQUESTS)
    can_search = request.membership.has_perm(Perm.VIEW_CLIENTS)
    query, results, chosen = "", [], None
    if request.method == "POST":
        if can_search:
            query, results, chosen = _search(request, via="requests")
        if "search" in request.POST:
            if request.htmx:
                return render(request, "web/requests/_client_choices.html", {
                    "query": query, "results": results, "chosen_client": chosen, "can_search": can_search})
            form = RequestCreateForm(initial={k: request.POST.get(k, "") for k in RequestCreateForm.base_fields})
        else:
            form = RequestCreateForm(request.POST)
            if request.POST.get("client") and chosen is None:
                form.add_error(None, _("Choose a client of this organization."))
            if form.is_valid():
                data = form.cleaned_data
                try:
                    req = request_create(organization=request.organization, kind=data["kind"],
                                         channel=data["channel"], actor=actor_for_request(request), client=chosen,
                                         details=data["details"], received_at=data["received_at"])
                except ValidationError as error:
                    apply_errors(form, error)
                else:
                    messages.success(request, _("The request was recorded. It is due on %(date)s.") % {
                        "date": _date(req.due_at)})
                    return redirect(_detail_url(request, req))
    else:
        form = RequestCreateForm()
    today = timezone.localdate()
    queue = [_flag(r, today) for r in open_requests(request.organization).select_related("client")]
    closed = Paginator(scoped(request, DataSubjectRequest).filter(status__in=CLOSED).select_related("client")
                       .order_by("-closed_at", "-pk"), 25).get_page(request.GET.get("page"))
    return render(request, "web/requests/queue.html", {
        "queue": queue, "closed": closed, "form": form, "query": query, "results": results,
        "chosen_client": chosen, "can_search": can_search,
        "overdue_count": sum(1 for r in queue if r.overdue),
        "show_form": request.method == "POST" or request.GET.get("new") == "1",
    })


def _date(day) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


# --- one request ------------------------------------------------------------------------------------

class ActionForm(forms.Form):
    """For actions without fields (start an export, record an objection): a place for their errors."""


def _verified_client(req: DataSubjectRequest) -> Client:
    """Nothing is disclosed or changed for a request before the person is known to be the client."""
    if req.client is None:
        raise Conflict(RequestError.NO_CLIENT, _("First choose which client the request is about."))
    if req.identity_verified_at is None:
        raise Conflict(RequestError.IDENTITY_UNVERIFIED, _("Verify the client's identity first."))
    return req.client


def _act_link(request, req, context):
    form = ClientChoiceForm(request.POST, prefix="link")
    query, results, chosen = _search(request, via="requests")
    context.update(query=query, results=results, chosen_client=chosen)
    if "search" in request.POST:
        if request.htmx:
            return render(request, "web/requests/_client_choices.html", {
                "query": query, "results": results, "chosen_client": chosen, "can_search": True,
                "allow_none": False})
        context["forms"]["link"] = ClientChoiceForm(prefix="link")
        context["failed"] = "link"
        return None
    if chosen is None:
        form.add_error(None, _("Search for the client and choose one."))
        return form
    request_link_client(req=req, client=chosen, actor=actor_for_request(request))
    return _("The request is now linked to the client.")


def _act_verify(request, req, context):
    form = IdentityForm(request.POST, prefix="verify")
    if not form.is_valid():
        return form
    request_verify_identity(req=req, method=form.cleaned_data["method"], note=form.cleaned_data["note"],
                            actor=actor_for_request(request))
    return _("The identity check was recorded.")


def _act_limit(request, req, context):
    form = LimitForm(request.POST, prefix="limit")
    if not form.is_valid():
        return form
    request_decide_limit(req=req, allow=form.cleaned_data["allow"], reason=form.cleaned_data["reason"],
                         actor=actor_for_request(request))
    return _("The decision was recorded.")


def _act_extend(request, req, context):
    form = ExtendForm(request.POST, prefix="extend")
    if not form.is_valid():
        return form
    request_extend(req=req, months=form.cleaned_data["months"], reason=form.cleaned_data["reason"],
                   told_otherwise=form.cleaned_data["told_otherwise"], actor=actor_for_request(request))
    return _("The deadline was extended and the client told why.")


def _act_complete(request, req, context):
    form = CompleteForm(request.POST, prefix="complete")
    if not form.is_valid():
        return form
    request_complete(req=req, outcome=form.cleaned_data["outcome"], actor=actor_for_request(request))
    return _("The request was answered and closed.")


def _act_refuse(request, req, context):
    form = RefuseForm(request.POST, prefix="refuse")
    if not form.is_valid():
        return form
    request_refuse(req=req, reasons=form.cleaned_data["reasons"], told_otherwise=form.cleaned_data["told_otherwise"],
                   actor=actor_for_request(request))
    return _("The request was refused and the client told why.")


def _act_export(request, req, context):
    if (response := reauthenticate_first(request, _detail_url(request, req))) is not None:
        return response
    request_export(client=_verified_client(req), request=req, actor=actor_for_request(request))
    return _("The export is being built. It is ready in a moment.")


def _act_restrict(request, req, context):
    require_perm(request, Perm.RESTRICT_CLIENTS)
    form = RestrictForm(request.POST, prefix="restrict")
    if not form.is_valid():
        return form
    client_restrict(client=_verified_client(req), reason=form.cleaned_data["reason"], actor=actor_for_request(request))
    return _("Processing is restricted: the data is kept but not used or changed.")


def _act_object(request, req, context):
    client_object_to_marketing(client=_verified_client(req), source=ConsentSource.STAFF,
                               actor=actor_for_request(request))
    return _("The objection was recorded: no marketing on any channel.")


ACTIONS: dict[str, Callable] = {
    "link": _act_link, "verify": _act_verify, "limit": _act_limit, "extend": _act_extend,
    "complete": _act_complete, "refuse": _act_refuse, "export": _act_export, "restrict": _act_restrict,
    "object": _act_object,
}
FORMS = {"link": ClientChoiceForm, "verify": IdentityForm, "limit": LimitForm, "extend": ExtendForm,
         "complete": CompleteForm, "refuse": RefuseForm, "restrict": RestrictForm, "export": ActionForm,
         "object": ActionForm}


# Where each action's form is on the page, for the link from the error shown at its top.
STEP_OF = {"link": "step-client", "verify": "step-identity", "limit": "step-limit", "export": "step-do",
           "restrict": "step-do", "object": "step-do", "complete": "step-answer", "extend": "extend",
           "refuse": "refuse"}


def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    req = get_for_member(request, DataSubjectRequest, perm=Perm.RECORD_REQUESTS, pk=request_id)
    context: dict = {"forms": {name: form_class(prefix=name) for name, form_class in FORMS.items()},
                     "query": "", "results": [], "chosen_client": None}
    if request.method == "POST":
        require_perm(request, Perm.MANAGE_REQUESTS)
        name = request.POST.get("action", "")
        if name not in ACTIONS:
            raise Http404
        form = None
        try:
            outcome = ACTIONS[name](request, req, context)
        except ValidationError as error:
            form = FORMS[name](request.POST, prefix=name)
            form.is_valid()
            apply_errors(form, error)
            outcome = form
        if isinstance(outcome, HttpResponse):
            return outcome
        if isinstance(outcome, str):
            messages.success(request, outcome)
            return redirect(_detail_url(request, req))
        if outcome is not None:
            context["forms"][name] = outcome
            context["failed"], context["failed_form"] = name, outcome
            context["failed_step"] = STEP_OF.get(name, "")
        req = get_for_member(request, DataSubjectRequest, perm=Perm.RECORD_REQUESTS, pk=request_id)
    elif req.subject_ref:
        # The page shows who asked and what: a read of the client's data like any other.
        record_many(organization=request.organization, actor=actor_for_request(request), action=AuditAction.VIEW,
                    object_type=req._meta.label_lower, subjects=[(req.pk, req.subject_ref)])
    _flag(req, timezone.localdate())
    can_manage = request.membership.has_perm(Perm.MANAGE_REQUESTS)
    context.update({
        "req": req, "can_manage": can_manage and req.is_open,
        "client": req.client if req.client_id and req.client.erased_at is None else None,
        "export": latest_export(request, request=req) if can_manage else None,
        "wants_export": req.kind in FULL_LISTING_KINDS, "kinds": RequestKind,
        "can_erase": request.membership.has_perm(Perm.ERASE_CLIENTS),
        "can_restrict": request.membership.has_perm(Perm.RESTRICT_CLIENTS),
        "verified": req.identity_verified_at is not None,
    })
    return render(request, "web/requests/detail.html", context)


def request_erase(request: HttpRequest, request_id: int) -> HttpResponse:
    """The erasure a request asks for: the dry run first, then the erasure, tied to the request."""
    req = get_for_member(request, DataSubjectRequest, perm=Perm.MANAGE_REQUESTS, pk=request_id)
    require_perm(request, Perm.ERASE_CLIENTS)
    client = req.client if req.client_id and req.client.erased_at is None else None
    try:
        if not req.is_open:
            raise ValidationError(_("This request has already been closed."))
        client = _verified_client(req) if client is not None else None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_detail_url(request, req))
    if client is None:
        messages.error(request, _("There is no client left to erase."))
        return redirect(_detail_url(request, req))
    erase_url = reverse("web:request_erase", kwargs={"org_slug": request.organization.slug, "request_id": req.pk})
    if (response := reauthenticate_first(request, erase_url)) is not None:
        return response
    error = None
    if request.method == "POST":
        try:
            erase_client(client=client, actor=actor_for_request(request), request=req)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The client was erased. Records the law requires are kept, restricted. "
                                        "Complete the request to tell the client."))
            return redirect(_detail_url(request, req))
    return render_erase_page(request, client, req=req, error=error, back_url=_detail_url(request, req))
