"""The JSON API, /api/v1: OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.pagination import paginate

from api import errors
from api.auth import TokenAuth, require
from api.errors import ErrorOut
from api.pagination import BoundedLimitOffset
from api.parser import StrictJsonParser
from kernel.audit import actor_for_request, verify
from kernel.models import ActorKind, AuditEvent
from tenancy.models import Membership
from tenancy.roles import ROLE_PERMISSIONS, Perm
from tenancy.services import organization_update

api = NinjaAPI(title="Tilli API", version="1", urls_namespace="api-v1", auth=TokenAuth(), parser=StrictJsonParser(),
               description="Booking and customer register with privacy by construction.")
errors.install(api)
api.add_router("/clients", "api.clients.router")
api.add_router("/invoices", "api.invoices.router")
api.add_router("", "api.booking.router")
api.add_router("", "api.calendar.router")
api.add_router("", "api.privacy.router")
api.add_router("", "api.booking_page.router")
api.add_router("", "api.sales.router")
api.add_router("/public", "api.public.router")
api.add_router("", "api.till.router")
api.add_router("", "api.products.router")
api.add_router("", "api.reports.router")
api.add_router("", "api.online_payments.router")

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class MeOut(Schema):
    email: str
    name: str
    role: str
    permissions: list[str]
    organization: str


class OrganizationOut(Schema):
    slug: str
    name: str
    country: str
    business_id: str
    street_address: str
    postal_code: str
    city: str
    default_language: str
    time_zone: str
    privacy_contact_name: str
    privacy_contact_email: str
    privacy_contact_phone: str
    dpo_name: str
    dpo_email: str
    national_id_enabled: bool


class OrganizationPatch(Schema):
    name: str | None = None
    business_id: str | None = None
    street_address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    default_language: str | None = None
    time_zone: str | None = None
    privacy_contact_name: str | None = None
    privacy_contact_email: str | None = None
    privacy_contact_phone: str | None = None
    dpo_name: str | None = None
    dpo_email: str | None = None
    national_id_enabled: bool | None = None


class StaffOut(Schema):
    id: int
    email: str
    name: str
    role: str
    is_active: bool
    resource_id: int | None  # the bookable resource (for /availability?staff= and appointments), if any

    @staticmethod
    def resolve_resource_id(obj: Membership) -> int | None:
        resource = getattr(obj, "resource", None)  # a missing one-to-one raises AttributeError
        return resource.pk if resource else None

    @staticmethod
    def resolve_email(obj: Membership) -> str:
        return obj.user.email

    @staticmethod
    def resolve_name(obj: Membership) -> str:
        return str(obj.user)


class AuditEventOut(Schema):
    seq: int
    created_at: datetime
    actor_kind: str
    actor_user_id: int | None
    actor_role: str
    action: str
    object_type: str
    object_id: str
    subject_ref: str | None
    changed_fields: list[str]
    ip: str
    hash: str

    @staticmethod
    def resolve_subject_ref(obj: AuditEvent) -> str | None:
        return str(obj.subject_ref) if obj.subject_ref else None


class VerificationOut(Schema):
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    problems: list[str]


def _api_actor(request: HttpRequest):
    return actor_for_request(request, kind=ActorKind.API)


@api.get("/me", response={200: MeOut, **ERRORS}, tags=["account"])
def me(request: HttpRequest):
    membership = request.membership
    return {"email": membership.user.email, "name": str(membership.user), "role": membership.role,
            "permissions": sorted(ROLE_PERMISSIONS[membership.role]), "organization": request.organization.slug}


@api.get("/organization", response={200: OrganizationOut, **ERRORS}, tags=["organization"])
def organization_read(request: HttpRequest):
    require(request, Perm.USE_API)
    return request.organization


@api.patch("/organization", response={200: OrganizationOut, **ERRORS}, tags=["organization"])
def organization_patch(request: HttpRequest, payload: OrganizationPatch):
    require(request, Perm.MANAGE_ORGANIZATION)
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    organization_update(organization=request.organization, actor=_api_actor(request), **changes)
    return request.organization


@api.get("/staff", response={200: list[StaffOut], **ERRORS}, tags=["organization"])
@paginate(BoundedLimitOffset)
def staff_list(request: HttpRequest):
    require(request, Perm.VIEW_STAFF)
    return (Membership.objects.for_organization(request.organization).select_related("user", "resource")
            .order_by("pk"))


@api.get("/audit-log", response={200: list[AuditEventOut], **ERRORS}, tags=["privacy"])
@paginate(BoundedLimitOffset)
def audit_log(request: HttpRequest):
    """The organization's audit log, newest first (owners only)."""
    require(request, Perm.VIEW_AUDIT_LOG)
    return AuditEvent.objects.for_organization(request.organization).order_by("-seq")


@api.get("/audit-log/verify", response={200: VerificationOut, **ERRORS}, tags=["privacy"])
def audit_verify(request: HttpRequest):
    """Walk the hash chain and report whether any row was changed, removed or inserted."""
    require(request, Perm.VIEW_AUDIT_LOG)
    result = verify(request.organization)
    return {"ok": result.ok, "checked": result.checked, "head_seq": result.head_seq,
            "head_hash": result.head_hash, "problems": result.problems}

