"""The one door to a tenant's objects for a member.

Views and API operations fetch through `get_for_member`: it scopes the query to the
request's organization, checks the role's permission, and returns 404 for anything
else (another organization's object looks exactly like a missing one). For models the
registry marks `audit_reads`, the read is written to the audit log here, once, so
templates and serializers never have to remember it.
"""

from __future__ import annotations

from django.db import models
from django.http import Http404, HttpRequest

from kernel.audit import actor_for_request, record
from kernel.models import AuditAction
from kernel.registry import registry
from tenancy.roles import Perm


class PermissionDenied404(Http404):
    """Raised where a member lacks the permission: it looks like any missing page."""


def require_perm(request: HttpRequest, perm: Perm) -> None:
    membership = getattr(request, "membership", None)
    if membership is None or not membership.has_perm(perm):
        raise PermissionDenied404


def scoped[M: models.Model](request: HttpRequest, model: type[M]) -> models.QuerySet[M]:
    organization = getattr(request, "organization", None)
    if organization is None:
        raise Http404
    return model.objects.for_organization(organization)


def get_for_member[M: models.Model](request: HttpRequest, model: type[M], *, perm: Perm, actor_kind: str | None = None,
                   **lookup) -> M:
    require_perm(request, perm)
    try:
        obj = scoped(request, model).get(**lookup)
    except (model.DoesNotExist, ValueError, models.ObjectDoesNotExist):
        raise Http404 from None
    if getattr(obj, "organization_id", None) == request.organization.pk:
        obj.organization = request.organization  # the scope it was read in: no second query for it
    registration = registry.get(model)
    if registration is not None and registration.audit_reads:
        actor = actor_for_request(request, kind=actor_kind) if actor_kind else actor_for_request(request)
        record(organization=request.organization, actor=actor, action=AuditAction.VIEW, obj=obj,
               subject_ref=getattr(obj, "subject_ref", None))
    return obj
