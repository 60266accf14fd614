"""Writing the operator log (console.models.OperatorEvent), in the caller's transaction."""

from __future__ import annotations

from typing import Any

from console.models import OperatorEvent
from kernel.audit import Actor


def record_operator(*, actor: Actor, action: str, organization=None, reason: str = "",
                    detail: dict[str, Any] | None = None) -> OperatorEvent:
    """One row naming who did what to which organization (by id, name and business ID, which outlive it)."""
    return OperatorEvent.objects.create(
        action=action, actor_user_id=actor.user_id, actor_label=actor.label, ip=actor.ip or None,
        organization_id=organization.pk if organization is not None else None,
        organization_name=organization.name if organization is not None else "",
        business_id=organization.business_id if organization is not None else "",
        reason=reason, detail=detail or {})
