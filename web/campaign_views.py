"""Marketing campaigns: write a draft, see who will get it and why the others will not, send it
after a confirmation, then watch its delivery.

Who may get a campaign is notify.campaigns' (`audience`), and sending is `campaign_send`,
which checks the same rules again; these views never pick recipients themselves.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kernel.audit import actor_for_request
from notify.campaigns import audience, campaign_send, render_campaign
from notify.configuration import campaign_save_draft
from notify.models import Campaign, CampaignStatus, Message, MessageChannel, MessageStatus
from notify.policy import policy_for
from notify.sms.encoding import sms_parts
from tenancy.access import get_for_member, require_perm, scoped
from tenancy.roles import Perm
from web.message_forms import CampaignForm

PENDING = (MessageStatus.QUEUED, MessageStatus.SENDING)


def _campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    return get_for_member(request, Campaign, perm=Perm.SEND_CAMPAIGNS, pk=campaign_id)


def campaigns(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.SEND_CAMPAIGNS)
    rows = scoped(request, Campaign).order_by("-created_at", "-pk")
    return render(request, "web/messages/campaigns.html", {"campaigns": rows, "section": "campaigns"})


def campaign_new(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.SEND_CAMPAIGNS)
    return _edit(request, Campaign(organization=request.organization))


def campaign_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """A draft's edit form; a sent campaign's delivery."""
    campaign = _campaign(request, campaign_id)
    if campaign.status == CampaignStatus.SENT:
        return render(request, "web/messages/campaign_sent.html", {
            "campaign": campaign, "section": "campaigns", **_delivery(campaign)})
    return _edit(request, campaign)


def _edit(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        stored = Campaign.objects.get(pk=campaign.pk) if campaign.pk else None  # the form changed `campaign`
        campaign = campaign_save_draft(organization=request.organization, actor=actor_for_request(request),
                                       campaign=stored, **form.cleaned_data)
        messages.success(request, _("The draft was saved. Check who will get it before sending."))
        return redirect("web:campaign_preview", org_slug=request.organization.slug, campaign_id=campaign.pk)
    return render(request, "web/messages/campaign_form.html", {
        "form": form, "campaign": campaign if campaign.pk else None, "section": "campaigns",
        "sms_enabled": policy_for(request.organization).sms_enabled,
    })


def _sample(campaign: Campaign) -> tuple[str, str]:
    """The message as a client would get it, addressed to nobody: no real client's unsubscribe link."""
    from clients.models import Client

    nobody = Client(organization=campaign.organization, preferred_language=campaign.organization.default_language)
    return render_campaign(campaign, nobody)


def _problems(campaign: Campaign) -> list[str]:
    problems = []
    if campaign.channel == MessageChannel.SMS and not policy_for(campaign.organization).sms_enabled:
        problems.append(_("SMS is turned off in the message settings: turn it on before sending."))
    if not campaign.body.strip() or (campaign.channel == MessageChannel.EMAIL and not campaign.subject.strip()):
        problems.append(_("Write the subject and the text first."))
    return problems


def campaign_preview(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    if campaign.status == CampaignStatus.SENT:
        return redirect("web:campaign", org_slug=request.organization.slug, campaign_id=campaign.pk)
    return render(request, "web/messages/campaign_preview.html", _preview_context(campaign))


def _preview_context(campaign: Campaign) -> dict:
    found = audience(campaign)
    subject, body = _sample(campaign)
    parts = sms_parts(body) if campaign.channel == MessageChannel.SMS else None
    return {
        "campaign": campaign, "recipients": len(found.recipients), "segment_size": found.segment_size,
        "reasons": found.reasons(), "sample_subject": subject, "sample_body": body, "sms": parts,
        "sms_total": parts.segments * len(found.recipients) if parts else 0,
        "problems": _problems(campaign), "section": "campaigns",
    }


def campaign_send_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """GET: the confirmation. POST: queue the messages (once; a second send queues nothing)."""
    campaign = _campaign(request, campaign_id)
    if campaign.status == CampaignStatus.SENT:
        return redirect("web:campaign", org_slug=request.organization.slug, campaign_id=campaign.pk)
    if request.method == "POST":
        try:
            count = campaign_send(campaign=campaign, actor=actor_for_request(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("web:campaign_preview", org_slug=request.organization.slug, campaign_id=campaign.pk)
        messages.success(request, _("The campaign is on its way to %(count)d clients.") % {"count": count})
        return redirect("web:campaign", org_slug=request.organization.slug, campaign_id=campaign.pk)
    return render(request, "web/messages/campaign_send.html", _preview_context(campaign))


def _delivery(campaign: Campaign) -> dict:
    counts = dict(Message.objects.for_organization(campaign.organization).filter(campaign=campaign)
                  .values_list("status").annotate(n=Count("pk")).order_by())
    rows = [(MessageStatus(status).label, counts[status]) for status in MessageStatus.values if counts.get(status)]
    return {"delivery": rows, "pending": sum(counts.get(s, 0) for s in PENDING), "total": sum(counts.values())}


def campaign_status(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The delivery counts the sent campaign's page polls every 2 s; HTTP 286 stops the polling."""
    campaign = _campaign(request, campaign_id)
    context = {"campaign": campaign, **_delivery(campaign)}
    response = render(request, "web/messages/_campaign_status.html", context)
    if not context["pending"]:
        response.status_code = 286
    return response
