"""The owner's message pages: how the organization sends, reminder rules, wording, the outbox.

What a message says is notify.rendering's, who may get it notify.services'; these views only
collect settings and show what the outbox holds. The outbox list names no recipient and shows
no text: opening one message does, and that read is audited under the client it was sent to.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kernel.audit import actor_for_request, record_many
from kernel.models import AuditAction
from notify.configuration import policy_update, reminder_rule_add, reminder_rule_remove, template_reset, template_save
from notify.models import (
    Message,
    MessageChannel,
    MessagePurpose,
    MessageTemplate,
    ReminderRule,
    TemplateKind,
)
from notify.policy import policy_for
from notify.rendering import preview_message, sample_values
from notify.sms.encoding import sms_parts
from notify.wording import SLOTS, default_wording, placeholders_for
from tenancy.access import get_for_member, require_perm, scoped
from tenancy.models import Organization
from tenancy.roles import Perm
from web.message_forms import LANGUAGES, OutboxFilterForm, PolicyForm, ReminderRuleForm, TemplateForm

KIND_LABELS = {**dict(TemplateKind.choices), "marketing": gettext_lazy("Campaign"),
               "portal_link": gettext_lazy("Portal sign-in link"),
               "request_extended": gettext_lazy("Request: more time needed"),
               "request_completed": gettext_lazy("Request answered"),
               "request_refused": gettext_lazy("Request refused"),
               "contact_form": gettext_lazy("Contact form"),
               "breach_notice": gettext_lazy("Notice of a personal data breach")}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


# --- settings and reminder rules ---------------------------------------------------------------------

def message_settings(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_MESSAGES)
    organization = request.organization
    policy = policy_for(organization)
    form = PolicyForm(request.POST if "save_policy" in request.POST else None, instance=policy, prefix="policy")
    rule_form = ReminderRuleForm(request.POST if "add_rule" in request.POST else None, organization=organization,
                                 prefix="rule")
    if request.method == "POST":
        actor = actor_for_request(request)
        if form.is_bound and form.is_valid():
            policy_update(organization=organization, actor=actor, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("web:message_settings", org_slug=organization.slug)
        if rule_form.is_bound and rule_form.is_valid():
            reminder_rule_add(organization=organization, actor=actor, **rule_form.cleaned_data)
            messages.success(request, _("Reminder added. Bookings made from now on get it."))
            return redirect("web:message_settings", org_slug=organization.slug)
    rules = scoped(request, ReminderRule).select_related("service").order_by(
        "service__name", "service_id", "-hours_before", "channel")
    defaults = [r for r in rules if r.service_id is None]
    by_service: dict = {}
    for rule in rules:
        if rule.service_id is not None:
            by_service.setdefault(rule.service, []).append(rule)
    return render(request, "web/messages/settings.html", {
        "form": form, "rule_form": rule_form, "default_rules": defaults, "service_rules": list(by_service.items()),
        "policy": policy, "sms_rules_off": not policy.sms_enabled and any(
            r.channel == MessageChannel.SMS for r in rules),
        "section": "settings",
    })


@require_POST
def reminder_rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = get_for_member(request, ReminderRule, perm=Perm.MANAGE_MESSAGES, pk=rule_id)
    reminder_rule_remove(rule=rule, actor=actor_for_request(request))
    messages.success(request, _("Reminder removed."))
    return redirect("web:message_settings", org_slug=request.organization.slug)


# --- wording -------------------------------------------------------------------------------------------

def _slot(request: HttpRequest) -> tuple[str, str, str]:
    kind, channel, language = (request.GET.get(name, "") for name in ("kind", "channel", "language"))
    if (kind, channel) not in SLOTS or language not in LANGUAGES:
        raise Http404
    return kind, channel, language


def _edit_url(organization: Organization, kind: str, channel: str, language: str) -> str:
    return reverse("web:message_template_edit", kwargs={"org_slug": organization.slug}) + "?" + urlencode(
        {"kind": kind, "channel": channel, "language": language})


def message_templates(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_MESSAGES)
    organization = request.organization
    own = {(t.kind, t.channel, t.language): t for t in scoped(request, MessageTemplate)}
    rows = []
    for kind, channel in SLOTS:
        rows.append({
            "kind": kind_label(kind), "channel": MessageChannel(channel).label,
            "languages": [{"code": language, "name": name, "own": (kind, channel, language) in own,
                           "url": _edit_url(organization, kind, channel, language)}
                          for language, name in settings.LANGUAGES],
        })
    return render(request, "web/messages/templates.html", {"rows": rows, "section": "templates"})


def message_template_edit(request: HttpRequest) -> HttpResponse:
    """Edit one wording, with a preview filled in with example values as it is typed (htmx), and save it."""
    require_perm(request, Perm.MANAGE_MESSAGES)
    organization = request.organization
    kind, channel, language = _slot(request)
    own = scoped(request, MessageTemplate).filter(kind=kind, channel=channel, language=language).first()

    def preview(subject: str, body: str) -> tuple[str, str]:
        return preview_message(organization, kind, channel, language, subject, body)

    if request.method == "POST":
        form = TemplateForm(request.POST, kind=kind, channel=channel, preview=preview)
        valid = form.is_valid()
        if "preview" in request.POST:
            if request.htmx:
                return render(request, "web/messages/_preview.html", {**_preview(form, channel), "live": True})
        elif valid:
            template_save(organization=organization, actor=actor_for_request(request), kind=kind, channel=channel,
                          language=language, subject=form.cleaned_data.get("subject", ""),
                          body=form.cleaned_data["body"])
            messages.success(request, _("The wording was saved. Messages written from now on use it."))
            return redirect(_edit_url(organization, kind, channel, language))
    else:
        with translation.override(language):
            default = default_wording(kind, channel)
        subject, body = (own.subject, own.body) if own else default
        form = TemplateForm(initial={"subject": subject, "body": body}, kind=kind, channel=channel, preview=preview)
        try:
            form.rendered = preview(subject, body)
        except ValidationError:  # a stored wording that no longer passes the check: no preview
            form.rendered = None
    sample = sample_values(organization, language)
    return render(request, "web/messages/template_edit.html", {
        "form": form, "own": own, "kind": kind, "kind_label": kind_label(kind), "channel": channel,
        "channel_label": MessageChannel(channel).label, "language": language,
        "language_name": dict(settings.LANGUAGES)[language], "section": "templates",
        "placeholders": [{"name": p.name, "description": p.description, "example": sample[p.name]}
                         for p in placeholders_for(kind)],
        "action_url": _edit_url(organization, kind, channel, language), **_preview(form, channel),
    })


def _preview(form: TemplateForm, channel: str) -> dict:
    rendered = form.rendered
    errors = [str(e) for field in form.errors.values() for e in field] if form.is_bound else []
    parts = sms_parts(rendered[1]) if rendered and channel == MessageChannel.SMS else None
    return {"preview": rendered, "preview_errors": errors, "sms": parts, "channel": channel}


@require_POST
def message_template_reset(request: HttpRequest, template_id: int) -> HttpResponse:
    """Back to Tilli's wording: the organization's own is deleted."""
    template = get_for_member(request, MessageTemplate, perm=Perm.MANAGE_MESSAGES, pk=template_id)
    template_reset(template=template, actor=actor_for_request(request))
    messages.success(request, _("Tilli's wording is in use again."))
    return redirect(_edit_url(request.organization, template.kind, template.channel, template.language))


# --- the outbox -------------------------------------------------------------------------------------------

def outbox(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_MESSAGES)
    form = OutboxFilterForm(request.GET)
    rows = (scoped(request, Message).defer("recipient", "subject", "body", "ics", "provider_response")
            .order_by("-created_at", "-pk"))
    filters = {}
    if form.is_valid():
        filters = {name: value for name, value in form.cleaned_data.items() if value}
        rows = rows.filter(**filters)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for message in page:
        message.kind_label = kind_label(message.kind)
    return render(request, "web/messages/outbox.html", {
        "page": page, "form": form, "filtered": bool(filters), "section": "outbox",
        "staff_purpose": MessagePurpose.STAFF,
    })


def outbox_message(request: HttpRequest, message_id: int) -> HttpResponse:
    """One message with its recipient and text: a read of the client's data, audited as such."""
    message = get_for_member(request, Message, perm=Perm.MANAGE_MESSAGES, pk=message_id)
    client = message.client if message.client_id else None
    record_many(organization=request.organization, actor=actor_for_request(request), action=AuditAction.VIEW,
                object_type=message._meta.label_lower,
                subjects=[(message.pk, client.subject_ref if client else None)])
    return render(request, "web/messages/message.html", {
        "message": message, "kind_label": kind_label(message.kind), "client": client,
        "can_see_client": client is not None and client.erased_at is None
        and request.membership.has_perm(Perm.VIEW_CLIENTS),
        "section": "outbox",
    })
