"""The access log of one client as plain entries, for the export ("who has viewed and edited")."""

from __future__ import annotations

from typing import Any

from kernel.models import ActorKind, AuditAction, AuditEvent


def access_log_entries(client) -> list[dict[str, Any]]:
    """Every audit event about the client, oldest first. Staff appear by name and role; the
    address is shown only for the client's own actions (a staff member's IP is theirs)."""
    actions = {value: str(label) for value, label in AuditAction.choices}
    kinds = {value: str(label) for value, label in ActorKind.choices}
    rows = (AuditEvent.objects.filter(organization_id=client.organization_id, subject_ref=client.subject_ref)
            .order_by("seq").values_list("created_at", "actor_kind", "actor_label", "actor_role", "action",
                                         "object_type", "changed_fields", "ip"))
    return [{"time": at.isoformat(), "actor": kinds.get(kind, kind), "name": label, "role": role,
             "action": actions.get(action, action), "object": object_type, "fields": fields,
             "ip": ip if kind == ActorKind.CLIENT else ""}
            for at, kind, label, role, action, object_type, fields, ip in rows]
