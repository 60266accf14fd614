"""The operator's admin shows the audit log read-only."""

from kernel.models import AuditEvent
from tilli.test import operator_client


def test_the_operator_reads_but_cannot_change_audit_events(world):
    client = operator_client()
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/kernel/auditevent/").status_code == 200
    event = AuditEvent.objects.for_organization(world.org).first()
    assert client.get(f"/admin/kernel/auditevent/{event.pk}/change/").status_code == 200
    response = client.post(f"/admin/kernel/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
