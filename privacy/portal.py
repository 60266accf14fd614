"""The client's own privacy workflows in the portal: asking for a copy of their data (GDPR Art. 20) and
deleting their account (Art. 17). Each is one transaction: the request is recorded as the client's, acted on,
and (for the erasure) answered, so the owner's queue never shows a request that was half carried out."""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from clients.models import Client
from kernel.audit import Actor
from privacy.erasure import erase_client
from privacy.errors import RequestError
from privacy.exports import request_export
from privacy.models import (
    DataExport,
    DataSubjectRequest,
    ExportStatus,
    LimitDecision,
    RequestChannel,
    RequestKind,
    RequestStatus,
)
from privacy.requests import request_complete, request_create
from tilli.errors import Conflict

IN_PROGRESS = (ExportStatus.QUEUED, ExportStatus.RUNNING)


def own_exports(client: Client):
    """The copies this client asked for in the portal: nobody else's, and none a staff member made."""
    return DataExport.objects.for_organization(client.organization).filter(client=client, requested_by_client=True)


def pending_limit_decision(client: Client) -> DataSubjectRequest | None:
    """An open copy request over the yearly limit, waiting for the owner's decision (Art. 12(5))."""
    return DataSubjectRequest.objects.filter(
        organization=client.organization, client=client, kind__in=(RequestKind.ACCESS, RequestKind.COPY),
        limit_decision=LimitDecision.PENDING, status__in=(RequestStatus.OPEN, RequestStatus.EXTENDED)).first()


@transaction.atomic
def portal_copy_request(*, client: Client, actor: Actor) -> DataSubjectRequest:
    """The client asks for a copy (identity verified by the portal sign-in); the copy is built in the background.
    Over the organization's yearly limit the request waits for the owner's decision and no copy is queued.

    Refuses (Conflict) while the previous copy is being built or a request awaits the owner's decision; the
    client's row is locked first, so two clicks make one request."""
    locked = Client.objects.select_for_update().get(pk=client.pk)
    latest = own_exports(locked).order_by("-created_at", "-pk").first()
    if latest is not None and latest.status in IN_PROGRESS:
        raise Conflict(RequestError.COPY_IN_PROGRESS, _("Your copy is already being prepared."))
    if pending_limit_decision(locked) is not None:
        raise Conflict(RequestError.LIMIT_PENDING,
                       _("You have already asked. We will answer you by the date shown below."))
    req = request_create(organization=locked.organization, kind=RequestKind.COPY, channel=RequestChannel.PORTAL,
                         actor=actor, client=locked)
    if req.limit_decision != LimitDecision.PENDING:
        request_export(client=locked, actor=actor, request=req, by_client=True)
    return req


@transaction.atomic
def portal_erase_account(*, client: Client, actor: Actor) -> DataSubjectRequest:
    """The client deletes their account: an erasure request from the portal, carried out and answered at once
    (what a law keeps stays, restricted: see privacy.erasure)."""
    organization = client.organization
    req = request_create(organization=organization, kind=RequestKind.ERASURE, channel=RequestChannel.PORTAL,
                         actor=actor, client=client)
    erase_client(client=client, actor=actor, request=req)
    with translation.override(organization.default_language):
        outcome = _("The client deleted their account in the client portal.")
    request_complete(req=DataSubjectRequest.objects.get(pk=req.pk), actor=actor, outcome=outcome)
    return req
