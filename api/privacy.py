"""/api/v1: data-subject requests, client exports and erasure, over the privacy engine's services.

Every operation here is a thin door: it checks the role (403 with code `forbidden`), fetches the
tenant's object through `tenancy.access` (another organization's object is a 404), and calls the
one service in `privacy/` that the staff panel calls too. A refusal by a service becomes JSON: a
field problem is a 422 `invalid` with messages per field; a request in the wrong state is a 409
with the service's own stable code (`closed`, `not_verified`, `already_erased`, ...).
"""

from datetime import date, datetime
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from api.auth import require
from api.errors import ApiError, ErrorOut
from api.pagination import BoundedLimitOffset
from api.types import Id
from clients.models import Client
from kernel.audit import actor_for_request
from kernel.models import ActorKind
from privacy.erasure import erase_client, plan_erasure
from privacy.exports import ExportUnavailable, open_export, request_export
from privacy.models import (
    DataExport,
    DataSubjectRequest,
    ExportStatus,
    IdentityMethod,
    RequestChannel,
    RequestKind,
    RequestStatus,
)
from privacy.requests import (
    overdue_requests,
    request_complete,
    request_create,
    request_decide_limit,
    request_extend,
    request_link_client,
    request_refuse,
    request_verify_identity,
)
from tenancy.access import get_for_member, scoped
from tenancy.roles import Perm

router = Router(tags=["privacy"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- schemas -------------------------------------------------------------------------------------------


class RequestIn(Schema):
    kind: RequestKind = Field(description="What the client asks for (GDPR Arts. 15-21, 7(3)).")
    channel: RequestChannel = Field(description="How the request arrived: email, letter, in_person or phone. "
                                                "`portal` is refused (422): only the client's own portal records "
                                                "requests made there, and they count as identity verified.")
    client_id: Id | None = Field(None, description="The client the request is about, if already known.")
    details: str = Field("", description="What the client asked, in their words (personal data; kept as proof).")
    received_at: datetime | None = Field(
        None, description="When the request arrived (ISO 8601; without an offset, the organization's local "
                          "time). Defaults to now; the one-month deadline counts from this moment. Neither in the "
                          "future (beyond 5 minutes of clock difference) nor more than a year ago (422).")


class ExportOut(Schema):
    id: int
    status: ExportStatus = Field(description="queued, running, ready, failed or expired.")
    progress: int = Field(description="Percent built, 0-100.")
    request_id: int | None = Field(description="The data-subject request this export answers, if any.")
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None = Field(description="After this moment the download answers 410 `export_expired`.")
    size: int = Field(description="Size of the sealed file in bytes (0 until ready).")
    downloads: int
    download_url: str | None = Field(description="Where to GET the zip while the export is ready.")

    @staticmethod
    def resolve_download_url(obj: DataExport) -> str | None:
        if obj.status != ExportStatus.READY:
            return None
        return reverse("api-v1:privacy_export_download", kwargs={"export_id": obj.pk})


class RequestOut(Schema):
    id: int
    kind: RequestKind
    channel: RequestChannel
    status: RequestStatus = Field(description="open, extended, completed or refused.")
    client_id: int | None = Field(description="None until linked, and after the client was erased.")
    received_at: datetime
    due_at: date = Field(description="One calendar month after receipt (Art. 12(3)).")
    extended_due_at: date | None = Field(description="The deadline after an extension of one or two months.")
    deadline: date = Field(description="The deadline that applies now: the extended one if extended.")
    overdue: bool = Field(description="Open and past its deadline, in the organization's time zone.")
    identity_verified: bool = Field(description="Nothing is disclosed or changed before this is true.")
    identity_verified_at: datetime | None
    identity_method: str = Field(description="portal, document, known_contact or other; empty if not verified.")
    limit_decision: str = Field(description="'' (none needed), pending, allowed or refused: a copy request over "
                                            "the organization's yearly limit waits for the owner's decision.")
    closed_at: datetime | None

    @staticmethod
    def resolve_deadline(obj: DataSubjectRequest) -> date:
        return obj.effective_due

    @staticmethod
    def resolve_overdue(obj: DataSubjectRequest) -> bool:
        return bool(getattr(obj, "is_overdue", False))

    @staticmethod
    def resolve_identity_verified(obj: DataSubjectRequest) -> bool:
        return obj.identity_verified_at is not None


class RequestDetailOut(RequestOut):
    details: str = Field(description="What the client asked.")
    identity_note: str
    extension_reason: str
    limit_reason: str
    outcome: str = Field(description="What was done, when completed.")
    refusal_reason: str
    exports: list[ExportOut] = Field(description="Exports made for this request, newest first.")

    @staticmethod
    def resolve_exports(obj: DataSubjectRequest) -> list[DataExport]:
        return list(obj.exports.all().order_by("-created_at"))


class RequestFilter(Schema):
    status: RequestStatus | None = Field(None, description="Only requests in this status.")
    overdue: bool = Field(False, description="Only open requests past their deadline, the soonest due first.")


class LinkClientIn(Schema):
    client_id: Id = Field(description="The client the request turned out to be about.")


class VerifyIn(Schema):
    method: IdentityMethod = Field(description="How the identity was verified: document, known_contact or other "
                                               "(`portal` is set only by the portal's own sign-in: 422).")
    note: str = Field("", description="How, in a few words; required when the method is `other`. No ID numbers.")


class ExtendIn(Schema):
    months: int = Field(description="1 or 2 further months; allowed once, within the first month.")
    reason: str = Field(description="The reasons; the client is emailed them.")
    told_otherwise: bool = Field(False, description="Confirm the client was told by letter or in person, when "
                                                    "they have no email address (else 422 `not_told`).")


class DecideLimitIn(Schema):
    allow: bool = Field(description="True: answer the request anyway. False: refuse it with the reason.")
    reason: str = Field("", description="Why; when refusing, the client is told it.")


class CompleteIn(Schema):
    outcome: str = Field("", description="What was done; required for rectification and consent withdrawal.")


class RefuseIn(Schema):
    reasons: str = Field(description="The reasons; the client is told them and their right to complain.")
    told_otherwise: bool = Field(False, description="Confirm the client was told by letter or in person, when "
                                                    "they have no email address (else 422 `not_told`).")


class ExportIn(Schema):
    request_id: Id | None = Field(None, description="The access or copy request of the same client this answers.")


class PlanItemOut(Schema):
    model: str = Field(description="The table, e.g. `clients.client`.")
    name: str = Field(description="The table's name in the caller's language.")
    action: str = Field(description="delete, anonymise or keep (kept restricted because a law requires it).")
    count: int
    fields: list[str] = Field(description="The fields cleared (for anonymise and keep).")
    keep_until: date | None = Field(description="For kept rows: the day their legal retention ends.")
    legal_ground: str = Field(description="For kept rows: the law that requires keeping them.")


class ErasurePlanOut(Schema):
    executed: bool = Field(description="False for a dry run: nothing was changed.")
    deleted: int
    anonymised: int
    kept: int
    items: list[PlanItemOut]


class EraseQuery(Schema):
    dry_run: bool = Field(True, description="True (the default) only reports what erasure would do. Pass "
                                            "dry_run=false to erase; it cannot be undone.")
    request_id: int | None = Field(None, description="The erasure request this answers, if any.")


# --- helpers -------------------------------------------------------------------------------------------


def _actor(request: HttpRequest):
    return actor_for_request(request, kind=ActorKind.API)


def _request(request: HttpRequest, request_id: int, perm: Perm) -> DataSubjectRequest:
    require(request, perm)
    return get_for_member(request, DataSubjectRequest, perm=perm, actor_kind=ActorKind.API, pk=request_id)


def _detail(request: HttpRequest, req: DataSubjectRequest) -> DataSubjectRequest:
    req.refresh_from_db()
    req.is_overdue = overdue_requests(request.organization).filter(pk=req.pk).exists()
    return req


def _client(request: HttpRequest, client_id: int, perm: Perm) -> Client:
    return get_for_member(request, Client, perm=perm, actor_kind=ActorKind.API, pk=client_id)


def _export(request: HttpRequest, export_id: int) -> DataExport:
    require(request, Perm.MANAGE_REQUESTS)
    return get_for_member(request, DataExport, perm=Perm.MANAGE_REQUESTS, actor_kind=ActorKind.API, pk=export_id)


def _request_of(request: HttpRequest, request_id: int | None, client: Client) -> DataSubjectRequest | None:
    if request_id is None:
        return None
    req = get_for_member(request, DataSubjectRequest, perm=Perm.MANAGE_REQUESTS, pk=request_id)
    if req.client_id != client.pk:
        raise ApiError(422, "invalid", _("The request has invalid values."),
                       {"request_id": [_("Choose a request of this client.")]})
    return req


# --- data-subject requests -----------------------------------------------------------------------------


@router.post("/requests", response={201: RequestDetailOut, **ERRORS})
def requests_create(request: HttpRequest, payload: RequestIn):
    """Record a data-subject request as it arrived; its deadline is one month from `received_at`."""
    require(request, Perm.RECORD_REQUESTS)
    client = _client(request, payload.client_id, Perm.RECORD_REQUESTS) if payload.client_id else None
    req = request_create(organization=request.organization, kind=payload.kind, channel=payload.channel,
                         actor=_actor(request), client=client, details=payload.details,
                         received_at=payload.received_at)
    return Status(201, _detail(request, req))


@router.get("/requests", response={200: list[RequestOut], **ERRORS})
@paginate(BoundedLimitOffset)
def requests_list(request: HttpRequest, filters: Query[RequestFilter]):
    """The organization's requests, newest first; `?overdue=true` gives the overdue queue, soonest due first."""
    require(request, Perm.RECORD_REQUESTS)
    overdue = overdue_requests(request.organization)
    requests = overdue if filters.overdue else scoped(request, DataSubjectRequest).order_by("-received_at", "-pk")
    if filters.status:
        requests = requests.filter(status=filters.status)
    return requests.annotate(is_overdue=Exists(overdue.filter(pk=OuterRef("pk"))))


@router.get("/requests/{request_id}", response={200: RequestDetailOut, **ERRORS})
def requests_read(request: HttpRequest, request_id: int):
    """A request's progress: status, deadlines, identity check, limit decision, and its exports."""
    return _detail(request, _request(request, request_id, Perm.RECORD_REQUESTS))


@router.post("/requests/{request_id}/link-client", response={200: RequestDetailOut, **ERRORS})
def requests_link_client(request: HttpRequest, request_id: int, payload: LinkClientIn):
    """Attach the client a request (e.g. a letter) turned out to be about."""
    req = _request(request, request_id, Perm.RECORD_REQUESTS)
    client = _client(request, payload.client_id, Perm.RECORD_REQUESTS)
    request_link_client(req=req, client=client, actor=_actor(request))
    return _detail(request, req)


@router.post("/requests/{request_id}/verify", response={200: RequestDetailOut, **ERRORS})
def requests_verify(request: HttpRequest, request_id: int, payload: VerifyIn):
    """Record how the client's identity was verified (owner only)."""
    req = _request(request, request_id, Perm.MANAGE_REQUESTS)
    request_verify_identity(req=req, method=payload.method, note=payload.note, actor=_actor(request))
    return _detail(request, req)


@router.post("/requests/{request_id}/extend", response={200: RequestDetailOut, **ERRORS})
def requests_extend(request: HttpRequest, request_id: int, payload: ExtendIn):
    """Extend the deadline once by one or two months; the client is emailed the reasons (owner only)."""
    req = _request(request, request_id, Perm.MANAGE_REQUESTS)
    request_extend(req=req, months=payload.months, reason=payload.reason, actor=_actor(request),
                   told_otherwise=payload.told_otherwise)
    return _detail(request, req)


@router.post("/requests/{request_id}/decide-limit", response={200: RequestDetailOut, **ERRORS})
def requests_decide_limit(request: HttpRequest, request_id: int, payload: DecideLimitIn):
    """Answer a copy request over the yearly limit anyway, or refuse it with the reason (owner only)."""
    req = _request(request, request_id, Perm.MANAGE_REQUESTS)
    request_decide_limit(req=req, allow=payload.allow, reason=payload.reason, actor=_actor(request))
    return _detail(request, req)


@router.post("/requests/{request_id}/complete", response={200: RequestDetailOut, **ERRORS})
def requests_complete(request: HttpRequest, request_id: int, payload: CompleteIn):
    """Close the request as answered once it has really been done; the client is emailed (owner only)."""
    req = _request(request, request_id, Perm.MANAGE_REQUESTS)
    request_complete(req=req, outcome=payload.outcome, actor=_actor(request))
    return _detail(request, req)


@router.post("/requests/{request_id}/refuse", response={200: RequestDetailOut, **ERRORS})
def requests_refuse(request: HttpRequest, request_id: int, payload: RefuseIn):
    """Refuse with reasons; the client is emailed them and their right to complain (owner only)."""
    req = _request(request, request_id, Perm.MANAGE_REQUESTS)
    request_refuse(req=req, reasons=payload.reasons, actor=_actor(request),
                   told_otherwise=payload.told_otherwise)
    return _detail(request, req)


# --- exports -------------------------------------------------------------------------------------------


@router.post("/clients/{client_id}/export", response={202: ExportOut, **ERRORS})
def clients_export(request: HttpRequest, client_id: int, payload: ExportIn):
    """Queue a copy of everything about the client (Arts. 15 and 20); poll GET /exports/{id} (owner only)."""
    require(request, Perm.MANAGE_REQUESTS)
    client = _client(request, client_id, Perm.MANAGE_REQUESTS)
    req = _request_of(request, payload.request_id, client)
    return Status(202, request_export(client=client, actor=_actor(request), request=req))


@router.get("/exports/{export_id}", response={200: ExportOut, **ERRORS})
def exports_read(request: HttpRequest, export_id: int):
    """An export's status and progress, and until when it can be downloaded (owner only)."""
    return _export(request, export_id)


@router.get("/exports/{export_id}/download", response={409: ErrorOut, 410: ErrorOut, **ERRORS},
            url_name="privacy_export_download",
            openapi_extra={"responses": {"200": {
                "description": "The export: a zip with export.json, schema.json, export.html, export.pdf.",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}}})
def exports_download(request: HttpRequest, export_id: int):
    """Download a ready export as a zip; each download is audited. 409 `export_not_ready` while it is built,
    410 `export_expired` once its link expired (owner only)."""
    export = _export(request, export_id)
    if export.status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        raise ApiError(409, "export_not_ready", _("The export is still being built. Try again in a moment."))
    if export.status == ExportStatus.FAILED:
        raise ApiError(409, "export_failed", _("Building the export failed. Ask for a new copy."))
    try:
        content = open_export(export=export, actor=_actor(request))
    except ExportUnavailable as exc:
        raise ApiError(410, "export_expired", " ".join(exc.messages)) from None
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="export-{export.pk}.zip"'
    response["Cache-Control"] = "no-store"
    return response


# --- erasure -------------------------------------------------------------------------------------------


def _plan_out(plan) -> dict[str, Any]:
    out = plan.as_dict()
    out["items"] = [{**item, "name": str(item["name"]), "legal_ground": str(item["legal_ground"])}
                    for item in out["items"]]
    return out


@router.post("/clients/{client_id}/erase", response={200: ErasurePlanOut, **ERRORS})
def clients_erase(request: HttpRequest, client_id: int, query: Query[EraseQuery]):
    """What erasing the client deletes, anonymises and keeps (with the law and until when). A dry run by
    default; `?dry_run=false` erases in one audited transaction. 409 `already_erased` the second time
    (owner only)."""
    require(request, Perm.ERASE_CLIENTS)
    try:
        client = _client(request, client_id, Perm.ERASE_CLIENTS)
    except Http404:
        erased = Client._default_manager.filter(organization=request.organization, pk=client_id,
                                                erased_at__isnull=False)
        if erased.exists():
            raise ApiError(409, "already_erased", _("This client has already been erased.")) from None
        raise
    req = _request_of(request, query.request_id, client)
    if query.dry_run:
        return _plan_out(plan_erasure(client))
    return _plan_out(erase_client(client=client, actor=_actor(request), request=req))
