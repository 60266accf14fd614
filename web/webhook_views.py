"""The owner's webhooks page: endpoints, their secrets (shown once), the delivery log and replays.

Everything goes through notify.webhooks' services; objects named in a POST are fetched through the
one door (`get_for_member`), so another organization's endpoint or delivery is a 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.audit import actor_for_request
from notify.models import WebhookDelivery, WebhookEndpoint
from notify.webhooks import EVENT_LABELS, webhook_add, webhook_remove, webhook_replay
from tenancy.access import get_for_member, require_perm, scoped
from tenancy.roles import Perm
from web.form_errors import apply_errors

PERM = Perm.MANAGE_ORGANIZATION  # the owner's


class WebhookForm(forms.Form):
    url = forms.CharField(label=gettext_lazy("Address (https://…)"), max_length=500)
    event_types = forms.MultipleChoiceField(label=gettext_lazy("Events"), widget=forms.CheckboxSelectMultiple,
                                            choices=list(EVENT_LABELS.items()))


def _posted(request: HttpRequest, model, field: str):
    try:
        pk = int(request.POST.get(field, ""))
    except ValueError:
        raise Http404 from None
    return get_for_member(request, model, perm=PERM, pk=pk)


def webhooks(request: HttpRequest) -> HttpResponse:
    require_perm(request, PERM)
    form, secret = WebhookForm(), None
    if request.method == "POST":
        action, actor = request.POST.get("action"), actor_for_request(request)
        if action == "remove":
            webhook_remove(endpoint=_posted(request, WebhookEndpoint, "endpoint"), actor=actor)
            messages.success(request, _("Webhook removed."))
            return redirect("web:webhooks", org_slug=request.organization.slug)
        if action == "replay":
            webhook_replay(delivery=_posted(request, WebhookDelivery, "delivery"), actor=actor)
            messages.success(request, _("The delivery will be sent again."))
            return redirect("web:webhooks", org_slug=request.organization.slug)
        form = WebhookForm(request.POST)
        if form.is_valid():
            try:
                _endpoint, secret = webhook_add(organization=request.organization, url=form.cleaned_data["url"],
                                                event_types=form.cleaned_data["event_types"], actor=actor)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                form = WebhookForm()
    endpoints = scoped(request, WebhookEndpoint).order_by("-created_at")
    deliveries = scoped(request, WebhookDelivery).select_related("endpoint").order_by("-created_at", "-pk")[:50]
    return render(request, "web/webhooks.html", {"form": form, "secret": secret, "endpoints": endpoints,
                                                 "deliveries": deliveries, "labels": EVENT_LABELS})
