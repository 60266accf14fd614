"""The access log of one client ("who has viewed and edited my data"), for the owner and the client."""

from __future__ import annotations

from django.db.models import QuerySet

from clients.models import Client
from kernel.models import AuditEvent


def client_access_log(client: Client) -> QuerySet[AuditEvent]:
    """Every audit event about the client, newest first, found by the pseudonymous reference."""
    return AuditEvent.objects.for_organization(client.organization).filter(
        subject_ref=client.subject_ref).order_by("-seq")
