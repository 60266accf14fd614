"""The breach register in the panel (owner only, MANAGE_BREACHES): the list, the form, and each breach's page.

A breach's page carries the 72-hour clock, the draft to the authority, the notification, who is
affected (found from the audit log or added by hand), the decision on telling the clients and the
notices. Every action is a POST naming its `action`; the rules are privacy.breaches', whose
ValidationErrors come back on the form that was sent, with what was typed still in it. Names of
affected clients appear on this page only, and showing them is an audited read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from clients.models import Client
from clients.selectors import search_clients_for
from kernel.audit import actor_for_request, record_many
from kernel.models import AuditAction
from kernel.registry import Category
from privacy import breaches as svc
from privacy.models import Breach, BreachRisk, BreachSubject, ClientDecision
from tenancy.access import get_for_member, require_perm, scoped
from tenancy.models import Membership
from tenancy.roles import Perm
from web.form_errors import apply_errors
from web.request_forms import DATETIME_LOCAL
from web.widgets import IsoDateTimeInput

_INPUT_FORMATS = [DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d"]


def _when_field(label, *, required: bool = True, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, input_formats=_INPUT_FORMATS, help_text=help_text,
                               widget=IsoDateTimeInput())


def _local(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime(DATETIME_LOCAL) if moment else ""


# --- forms (they only collect input; the rules are the services') ---------------------------------------

class BreachForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Short description"), max_length=200,
                            help_text=gettext_lazy("Without names, e.g. “Staff laptop stolen”."))
    noticed_at = _when_field(gettext_lazy("When we became aware of it"),
                             help_text=gettext_lazy("The 72 hours to notify the authority run from here."))
    occurred_at = _when_field(gettext_lazy("When it happened, as far as known"), required=False)
    nature = forms.CharField(label=gettext_lazy("What happened"), widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=gettext_lazy("Describe it without naming anyone: the affected clients are "
                                                    "listed separately."))
    data_categories = forms.MultipleChoiceField(label=gettext_lazy("Categories of data"), required=False,
                                                choices=Category.choices, widget=forms.CheckboxSelectMultiple)
    approx_subjects = forms.IntegerField(label=gettext_lazy("People affected (approximately)"), min_value=0,
                                         initial=0)
    approx_records = forms.IntegerField(label=gettext_lazy("Records affected (approximately)"), min_value=0,
                                        initial=0)
    consequences = forms.CharField(label=gettext_lazy("Likely consequences"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    measures = forms.CharField(label=gettext_lazy("Measures taken or proposed"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    risk = forms.ChoiceField(label=gettext_lazy("Risk to people"), choices=BreachRisk.choices,
                             initial=BreachRisk.RISK, widget=forms.RadioSelect,
                             help_text=gettext_lazy("When a risk is unlikely, say why under “Likely consequences”: "
                                                    "that is the record of not notifying."))

    @classmethod
    def for_breach(cls, breach: Breach) -> BreachForm:
        initial = {name: getattr(breach, name) for name in svc.EDITABLE}
        initial.update(noticed_at=_local(breach.noticed_at), occurred_at=_local(breach.occurred_at))
        return cls(initial=initial)


class AuthorityForm(forms.Form):
    at = _when_field(gettext_lazy("Notified"))
    reference = forms.CharField(label=gettext_lazy("The authority's reference"), required=False, max_length=100)
    late_reason = forms.CharField(label=gettext_lazy("Reasons for notifying after 72 hours"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class SelectForm(forms.Form):
    user = forms.TypedChoiceField(label=gettext_lazy("Staff member"), coerce=int, required=False, empty_value=None)
    start = _when_field(gettext_lazy("From"))
    end = _when_field(gettext_lazy("Until"))
    action_filter = forms.ChoiceField(label=gettext_lazy("What they did"), required=False,
                                      choices=[("", gettext_lazy("Anything")), *AuditAction.choices])

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", _("Any staff member")), *[
            (m.user_id, f"{m.user.get_full_name() or m.user.email} · {m.get_role_display()}") for m in members]]


class ClientSearchForm(forms.Form):
    client = forms.IntegerField(label=gettext_lazy("Client"), min_value=1,
                                error_messages={"required": gettext_lazy("Search for the client and choose one.")})


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), widget=forms.RadioSelect,
                                 choices=[c for c in ClientDecision.choices if c[0]])
    ground = forms.ChoiceField(label=gettext_lazy("Ground for not telling them (high risk)"), required=False,
                               choices=[("", "—"), *svc.NoNoticeGround.choices])
    reason = forms.CharField(label=gettext_lazy("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class NoticeForm(forms.Form):
    message_text = forms.CharField(
        label=gettext_lazy("What happened, in plain language"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("The consequences, the measures and who to ask are added from the breach."))


class RemoveForm(forms.Form):
    subject = forms.IntegerField(min_value=1)


class ActionForm(forms.Form):
    """For actions without fields (closing): a place for their errors."""


# --- the clock ------------------------------------------------------------------------------------------

def _duration(delta: dt.timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}


def clock(breach: Breach, now: dt.datetime | None = None) -> dict:
    """What the panel shows of the 72-hour clock: its state, the words, and whether it is red."""
    now = now or timezone.now()
    left = svc.time_left(breach, now)
    if not svc.needs_authority(breach):
        return {"state": "not_needed", "text": _("No notification needed"), "urgent": False}
    if breach.authority_notified_at is not None:
        text = _("Notified late") if svc.is_late(breach) else _("Notified in time")
        return {"state": "notified", "text": text, "urgent": False}
    if breach.closed_at is not None:
        return {"state": "closed", "text": _("Closed"), "urgent": False}
    if left < dt.timedelta(0):
        return {"state": "late", "text": _("Late by %(time)s") % {"time": _duration(left)}, "urgent": True}
    return {"state": "running", "text": _("%(time)s left") % {"time": _duration(left)},
            "urgent": left < svc.URGENT}


def dashboard_breaches(request: HttpRequest) -> dict | None:
    """For the dashboard card: open breaches with their clock, red when any is under 12 hours or late
    (None when there are none, or the member may not see them)."""
    if not request.membership.has_perm(Perm.MANAGE_BREACHES):
        return None
    now = timezone.now()
    rows = [{"breach": b, "clock": clock(b, now)} for b in svc.open_breaches(request.organization)]
    return {"rows": rows, "urgent": any(r["clock"]["urgent"] for r in rows)} if rows else None


# --- the list and the form ------------------------------------------------------------------------------

def _detail_url(request: HttpRequest, breach: Breach) -> str:
    return reverse("web:breach_detail", kwargs={"org_slug": request.organization.slug, "breach_id": breach.pk})


def breaches(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_BREACHES)
    now = timezone.now()
    rows = [{"breach": b, "clock": clock(b, now)}
            for b in scoped(request, Breach).annotate(identified=Count("subjects")).order_by("-noticed_at")]
    return render(request, "web/breaches/list.html", {"rows": rows})


def _save_form(request: HttpRequest, breach: Breach | None) -> HttpResponse:
    require_perm(request, Perm.MANAGE_BREACHES)
    if request.method == "POST":
        form = BreachForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if breach is None:
                    breach = svc.breach_record(organization=request.organization, actor=actor_for_request(request),
                                               **data)
                    messages.success(request, _("The breach was recorded. The authority must be notified within "
                                                "72 hours of becoming aware of it."))
                else:
                    svc.breach_update(breach=breach, actor=actor_for_request(request), **data)
                    messages.success(request, _("Saved."))
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return redirect(_detail_url(request, breach))
    else:
        form = BreachForm.for_breach(breach) if breach else BreachForm(initial={"noticed_at": _local(timezone.now())})
    return render(request, "web/breaches/form.html", {"form": form, "breach": breach})


def breach_new(request: HttpRequest) -> HttpResponse:
    return _save_form(request, None)


def breach_edit(request: HttpRequest, breach_id: int) -> HttpResponse:
    return _save_form(request, get_for_member(request, Breach, perm=Perm.MANAGE_BREACHES, pk=breach_id))


# --- one breach -----------------------------------------------------------------------------------------

def _members(request: HttpRequest) -> list[Membership]:
    return list(scoped(request, Membership).select_related("user").order_by("-is_active", "role", "user__email"))


def _act_authority(request, breach, context):
    form = AuthorityForm(request.POST, prefix="authority")
    if not form.is_valid():
        return form
    data = form.cleaned_data
    svc.breach_notify_authority(breach=breach, actor=actor_for_request(request), at=data["at"],
                                reference=data["reference"], late_reason=data["late_reason"])
    return _("The notification to the authority was recorded.")


def _act_select(request, breach, context):
    form = SelectForm(request.POST, prefix="select", members=context["members"])
    if not form.is_valid():
        return form
    data = form.cleaned_data
    added = svc.select_subjects_from_audit(breach=breach, actor=actor_for_request(request), user_id=data["user"],
                                           start=data["start"], end=data["end"],
                                           action=data["action_filter"] or None)
    return ngettext("%(count)d client was added from the access log.",
                    "%(count)d clients were added from the access log.", added) % {"count": added}


def _act_search(request, breach, context):
    query = request.POST.get("q", "").strip()[:100]
    context["query"] = query
    context["results"] = search_clients_for(request.organization, query, actor=actor_for_request(request),
                                            limit=10, via="breach") if query else []
    context["failed"] = "add"
    return None


def _act_add(request, breach, context):
    form = ClientSearchForm(request.POST, prefix="add")
    if not form.is_valid():
        return form
    try:
        client = scoped(request, Client).get(pk=form.cleaned_data["client"])
    except Client.DoesNotExist:
        raise ValidationError({"client": [_("Choose a client of this organization.")]}) from None
    if svc.breach_subject_add(breach=breach, client=client, actor=actor_for_request(request)):
        return _("The client was added.")
    return _("The client was already on the list.")


def _act_remove(request, breach, context):
    form = RemoveForm(request.POST, prefix="remove")
    if not form.is_valid():
        raise Http404
    try:
        subject = scoped(request, BreachSubject).get(breach=breach, pk=form.cleaned_data["subject"])
    except BreachSubject.DoesNotExist:
        raise Http404 from None
    svc.breach_subject_remove(subject=subject, actor=actor_for_request(request))
    return _("The client was taken off the list.")


def _act_decide(request, breach, context):
    form = DecideForm(request.POST, prefix="decide")
    if not form.is_valid():
        return form
    data = form.cleaned_data
    svc.breach_decide_clients(breach=breach, decision=data["decision"], reason=data["reason"],
                              ground=data["ground"], actor=actor_for_request(request))
    return _("The decision was recorded.")


def _act_preview(request, breach, context):
    form = NoticeForm(request.POST, prefix="notice")
    context["forms"]["notice"] = form
    context["failed"] = "notice"
    if form.is_valid():
        context["preview_text"] = form.cleaned_data["message_text"]
    return form if not form.is_valid() else None


def _act_notice(request, breach, context):
    form = NoticeForm(request.POST, prefix="notice")
    if not form.is_valid():
        return form
    result = svc.breach_notify_clients(breach=breach, actor=actor_for_request(request),
                                       message_text=form.cleaned_data["message_text"])
    text = ngettext("%(count)d client is being told by email.", "%(count)d clients are being told by email.",
                    result.told) % {"count": result.told}
    if result.no_address:
        text += " " + ngettext("%(count)d has no email address: publish a public notice for them.",
                               "%(count)d have no email address: publish a public notice for them.",
                               len(result.no_address)) % {"count": len(result.no_address)}
    return text


def _act_close(request, breach, context):
    svc.breach_close(breach=breach, actor=actor_for_request(request))
    return _("The breach was closed. It stays in the register.")


ACTIONS: dict[str, Callable] = {
    "authority": _act_authority, "select": _act_select, "search": _act_search, "add": _act_add,
    "remove": _act_remove, "decide": _act_decide, "preview": _act_preview, "notice": _act_notice,
    "close": _act_close,
}
FORM_NAMES = {"search": "add", "preview": "notice"}


def _forms(breach: Breach, members: list[Membership]) -> dict[str, forms.Form]:
    now = timezone.now()
    start = breach.occurred_at or breach.noticed_at - dt.timedelta(days=1)
    decide_initial = {"decision": breach.client_decision or (
        ClientDecision.INFORM if breach.risk == BreachRisk.HIGH else "")}
    return {
        "authority": AuthorityForm(prefix="authority", initial={"at": _local(now)}),
        "select": SelectForm(prefix="select", members=members,
                             initial={"start": _local(start), "end": _local(now + dt.timedelta(minutes=1))}),
        "add": ClientSearchForm(prefix="add"),
        "decide": DecideForm(prefix="decide", initial=decide_initial),
        "notice": NoticeForm(prefix="notice", initial={"message_text": breach.nature}),
        "close": ActionForm(prefix="close"),
    }


def _bound(name: str, data, members) -> forms.Form:
    form_class = {"authority": AuthorityForm, "select": SelectForm, "add": ClientSearchForm, "decide": DecideForm,
                  "notice": NoticeForm, "close": ActionForm, "remove": ActionForm}[name]
    kwargs = {"members": members} if form_class is SelectForm else {}
    return form_class(data, prefix=name, **kwargs)


def _draft_language(request: HttpRequest) -> str:
    wanted = request.GET.get("draft_language", "")
    return wanted if wanted in dict(settings.LANGUAGES) else request.organization.default_language


def breach_detail(request: HttpRequest, breach_id: int) -> HttpResponse:
    breach = get_for_member(request, Breach, perm=Perm.MANAGE_BREACHES, pk=breach_id)
    members = _members(request)
    context: dict = {"forms": _forms(breach, members), "members": members, "query": "", "results": []}
    if request.method == "POST":
        name = request.POST.get("action", "")
        if name not in ACTIONS:
            raise Http404
        form_name = FORM_NAMES.get(name, name)
        try:
            outcome = ACTIONS[name](request, breach, context)
        except ValidationError as error:
            outcome = _bound(form_name, request.POST, members)
            outcome.is_valid()
            apply_errors(outcome, error)
        if isinstance(outcome, str):
            messages.success(request, outcome)
            return redirect(_detail_url(request, breach))
        if outcome is not None:
            context["forms"][form_name] = outcome
            context["failed"] = form_name
        breach = get_for_member(request, Breach, perm=Perm.MANAGE_BREACHES, pk=breach_id)
    return render(request, "web/breaches/detail.html", _detail_context(request, breach, context))


def _detail_context(request: HttpRequest, breach: Breach, context: dict) -> dict:
    now = timezone.now()
    subjects = list(breach.subjects.select_related("client").order_by("notified_at", "pk"))
    shown = [(s.pk, s.subject_ref) for s in subjects if s.client_id and s.client.erased_at is None]
    if shown:
        # The names of the affected clients: a read of their data, on this page only.
        record_many(organization=request.organization, actor=actor_for_request(request), action=AuditAction.VIEW,
                    object_type="privacy.breachsubject", subjects=shown)
    language = _draft_language(request)
    preview_text = context.pop("preview_text", None) or context["forms"]["notice"].initial.get("message_text", "")
    preview_subject, preview_body = svc.client_notice(breach, preview_text or "…",
                                                      request.organization.default_language)
    late = svc.is_late(breach, now)
    if breach.risk != BreachRisk.HIGH:
        context["forms"]["decide"].fields.pop("ground", None)  # Art. 34(3) grounds matter only for a high risk
    if not late and breach.authority_notified_at is None:
        context["forms"]["authority"].fields.pop("late_reason", None)
    return {
        **context,
        "breach": breach, "clock": clock(breach, now), "deadline": svc.deadline(breach), "late": late,
        "needs_authority": svc.needs_authority(breach),
        "draft": svc.authority_draft(breach, language, now), "draft_language": language,
        "draft_languages": settings.LANGUAGES,
        "subjects": subjects, "told": sum(1 for s in subjects if s.notified_at),
        "without_address": svc.without_address(breach),
        "categories": [Category(c).label for c in breach.data_categories if c in Category.values],
        "preview_subject": preview_subject, "preview_body": preview_body,
        "can_close": breach.closed_at is None,
        "high_risk": breach.risk == BreachRisk.HIGH,
    }
