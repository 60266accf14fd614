"""/api/v1/clients: the customer register over JSON, with the same rules and audit as the panel."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from api.auth import require
from api.errors import ApiError, ErrorOut, PossibleDuplicateOut
from api.pagination import BoundedLimitOffset
from api.types import Day, Id
from clients.access_log import client_access_log
from clients.care import care_assignment_grant, care_assignment_revoke
from clients.models import CareAssignment, Client, ClientKind, ClientRecord, RecordKind
from clients.permissions import NotTreating, can_write_records, local_today
from clients.selectors import records_for, search_clients_for
from clients.services import client_create, client_update, record_create
from kernel.audit import actor_for_request
from kernel.models import ActorKind
from tenancy.access import get_for_member, scoped
from tenancy.models import Membership
from tenancy.roles import Perm

router = Router(tags=["clients"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ClientIn(Schema):
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    business_id: str | None = None
    email: str | None = None
    phone: str | None = None
    street_address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    gender: str | None = None
    birth_year: int | None = None
    birth_date: Day | None = None
    preferred_language: str | None = None
    billing_name: str | None = None
    billing_address: str | None = None
    billing_reference: str | None = None
    standing_discount_percent: Decimal | None = None
    national_id: str | None = None
    custom_fields: dict[str, str] | None = None


class ClientCreateIn(ClientIn):
    kind: ClientKind = ClientKind.PERSON
    company_id: Id | None = None
    allow_duplicate: bool = Field(False, description=(
        "Create the person even when a client with the same name and phone number is already in the register "
        "(the answer was 409 possible_duplicate and the caller checked the candidates)."))


class ClientOut(Schema):
    id: int
    kind: str
    first_name: str
    last_name: str
    company_name: str
    business_id: str
    company_id: int | None
    email: str
    phone: str
    street_address: str
    postal_code: str
    city: str
    gender: str
    birth_year: int | None
    birth_date: date | None
    preferred_language: str
    billing_name: str
    billing_address: str
    billing_reference: str
    standing_discount_percent: Decimal | None
    national_id_masked: str
    custom_fields: dict[str, str]
    source: str
    created_at: datetime
    updated_at: datetime


class AccessEventOut(Schema):
    created_at: datetime
    actor: str
    actor_role: str
    action: str
    object_type: str
    changed_fields: list[str]
    ip: str

    @staticmethod
    def resolve_actor(obj) -> str:
        return obj.actor_label or obj.actor_kind


class RecordIn(Schema):
    kind: RecordKind
    body: str


class RecordOut(Schema):
    id: int
    kind: str
    body: str
    author: str | None
    created_at: datetime

    @staticmethod
    def resolve_author(obj: ClientRecord) -> str | None:
        return str(obj.author.user) if obj.author else None


class CareAssignmentIn(Schema):
    practitioner_id: Id = Field(description="The practitioner's staff id (GET /staff `id`).")
    ends_on: Day | None = Field(None, description="The last day of the access (inclusive, the organization's "
                                                   "date); empty: until revoked.")


class CareAssignmentOut(Schema):
    id: int
    practitioner_id: int
    practitioner: str
    granted_at: datetime
    ends_on: date | None
    revoked_at: datetime | None
    in_force: bool = Field(description="Neither revoked nor past its last day.")

    @staticmethod
    def resolve_practitioner(obj: CareAssignment) -> str:
        return str(obj.practitioner.user)

    @staticmethod
    def resolve_in_force(obj: CareAssignment) -> bool:
        return obj.revoked_at is None and (obj.ends_on is None or obj.ends_on >= local_today(obj.organization))


def _not_treating() -> ApiError:
    return ApiError(403, "forbidden", _("Only the owner and a practitioner who treats this client may read or "
                                        "write their sensitive entries."))


def _actor(request):
    return actor_for_request(request, kind=ActorKind.API)


def _client(request: HttpRequest, client_id: int, perm: Perm) -> Client:
    return get_for_member(request, Client, perm=perm, actor_kind=ActorKind.API, pk=client_id)


@router.get("", response={200: list[ClientOut], **ERRORS})
@paginate(BoundedLimitOffset)
def clients_list(request: HttpRequest):
    """The recently changed clients. To search, POST /clients/search: a query never goes in a URL."""
    require(request, Perm.VIEW_CLIENTS)
    return scoped(request, Client).order_by("-updated_at")


class SearchIn(Schema):
    q: str
    limit: int = Field(25, ge=1, le=100)


@router.post("/search", response={200: list[ClientOut], **ERRORS})
def clients_search(request: HttpRequest, payload: SearchIn):
    """Search by name prefix, phone, email or national ID (exact, through the blind index)."""
    require(request, Perm.VIEW_CLIENTS)
    return search_clients_for(request.organization, payload.q, actor=_actor(request),
                              limit=payload.limit)


@router.post("", response={201: ClientOut, **ERRORS, 409: PossibleDuplicateOut})
def clients_create(request: HttpRequest, payload: ClientCreateIn):
    """Create a client. A person with the same name (either order, case and accents aside) and the same phone
    number as a client already in the register is refused, as in the panel: 409 with code `possible_duplicate`
    and `candidate_ids`, the existing clients. Use one of them, merge later, or send the request again with
    `allow_duplicate: true`."""
    require(request, Perm.EDIT_CLIENTS)
    data = payload.dict(exclude_unset=True)
    kind, company_id = data.pop("kind", ClientKind.PERSON), data.pop("company_id", None)
    allow_duplicate = data.pop("allow_duplicate", False)
    company = _client(request, company_id, Perm.EDIT_CLIENTS) if company_id else None
    client = client_create(organization=request.organization, actor=_actor(request), kind=kind, company=company,
                           source="staff", allow_duplicate=allow_duplicate, **data)
    return Status(201, client)


@router.get("/{client_id}", response={200: ClientOut, **ERRORS})
def clients_read(request: HttpRequest, client_id: int):
    return _client(request, client_id, Perm.VIEW_CLIENTS)


@router.patch("/{client_id}", response={200: ClientOut, **ERRORS})
def clients_update(request: HttpRequest, client_id: int, payload: ClientIn):
    client = _client(request, client_id, Perm.EDIT_CLIENTS)
    client_update(client=client, actor=_actor(request), **payload.dict(exclude_unset=True))
    return client


@router.get("/{client_id}/access-log", response={200: list[AccessEventOut], **ERRORS})
@paginate(BoundedLimitOffset)
def clients_access_log(request: HttpRequest, client_id: int):
    """Who has viewed and edited this client: every audit event about them, newest first."""
    return client_access_log(_client(request, client_id, Perm.VIEW_CLIENT_ACCESS_LOG))


@router.get("/{client_id}/records", response={200: list[RecordOut], **ERRORS})
def records_list(request: HttpRequest, client_id: int):
    """The client's sensitive entries: for the owner and a practitioner who treats the client (an appointment
    from its booking until some months after it, or the owner's care assignment); others get 403."""
    client = _client(request, client_id, Perm.VIEW_SPECIAL_RECORDS)
    try:
        return records_for(client, member=request.membership, actor=_actor(request))
    except NotTreating:
        raise _not_treating() from None


@router.post("/{client_id}/records", response={201: RecordOut, **ERRORS})
def records_create(request: HttpRequest, client_id: int, payload: RecordIn):
    """Write a sensitive entry: the same people as may read them, once the client's approval is on record."""
    client = _client(request, client_id, Perm.WRITE_SPECIAL_RECORDS)
    if not can_write_records(request.membership, client):
        raise _not_treating()
    entry = record_create(client=client, kind=payload.kind, body=payload.body, author=request.membership,
                          actor=_actor(request))
    return Status(201, entry)


@router.get("/{client_id}/care-assignments", response={200: list[CareAssignmentOut], **ERRORS})
def care_assignments_list(request: HttpRequest, client_id: int):
    """The owner's care assignments of this client, in force or not, newest first (owner only)."""
    client = _client(request, client_id, Perm.MANAGE_CARE_ASSIGNMENTS)
    return (scoped(request, CareAssignment).filter(client=client).select_related("practitioner__user", "organization")
            .order_by("-granted_at", "-pk"))


@router.post("/{client_id}/care-assignments", response={201: CareAssignmentOut, **ERRORS})
def care_assignments_create(request: HttpRequest, client_id: int, payload: CareAssignmentIn):
    """Let a practitioner treat the client (read and write the sensitive entries) without an appointment;
    a second grant for the same practitioner replaces the first (owner only)."""
    client = _client(request, client_id, Perm.MANAGE_CARE_ASSIGNMENTS)
    practitioner = scoped(request, Membership).filter(pk=payload.practitioner_id).first()
    if practitioner is None:
        raise ApiError(422, "invalid", _("The request has invalid values."),
                       {"practitioner_id": [_("Choose an active practitioner of this organization.")]})
    try:
        assignment = care_assignment_grant(client=client, practitioner=practitioner, ends_on=payload.ends_on,
                                           actor=_actor(request))
    except ValidationError as error:  # the service names the form's field; the API's is practitioner_id
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError({"practitioner_id" if name == "practitioner" else name: messages
                               for name, messages in error.message_dict.items()}) from None
    return Status(201, assignment)


@router.post("/{client_id}/care-assignments/{assignment_id}/revoke", response={200: CareAssignmentOut, **ERRORS})
def care_assignments_revoke(request: HttpRequest, client_id: int, assignment_id: int):
    """End a care assignment now (owner only); revoking a revoked one changes nothing."""
    client = _client(request, client_id, Perm.MANAGE_CARE_ASSIGNMENTS)
    assignment = get_for_member(request, CareAssignment, perm=Perm.MANAGE_CARE_ASSIGNMENTS, pk=assignment_id,
                                client=client)
    care_assignment_revoke(assignment=assignment, actor=_actor(request))
    assignment.refresh_from_db()
    return assignment
