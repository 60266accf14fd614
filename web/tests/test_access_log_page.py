"""The access log renders every row, whatever fields the row names (reverse relations, paths, removed fields)."""

from __future__ import annotations

from privacy.audit import record
from privacy.models import AuditAction
from tilli.test import make_client
from web.tests.privacy_helpers import SYSTEM, english, url

ODD_FIELDS = ["subjects", "subjects.notified_at", "a_field_removed_long_ago", "breaches"]


def test_the_access_log_renders_rows_naming_relations_and_removed_fields(world, client_for):
    anna = make_client(world.org, first_name="Anna")
    record(organization=world.org, actor=SYSTEM, action=AuditAction.UPDATE, object_type="privacy.breach",
           object_id="1", changed_fields=ODD_FIELDS)
    record(organization=world.org, actor=SYSTEM, action=AuditAction.UPDATE, obj=anna, subject_ref=anna.subject_ref,
           changed_fields=ODD_FIELDS)
    record(organization=world.org, actor=SYSTEM, action=AuditAction.UPDATE, object_type="gone.model",
           object_id="7", changed_fields=ODD_FIELDS)
    owner = english(client_for(world.owner))
    response = owner.get(url(world, "web:audit_log"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "clients affected by a breach" in html and "a field removed long ago" in html
    detail = owner.get(url(world, "web:client_detail", client_id=anna.pk))
    assert detail.status_code == 200 and "a field removed long ago" in detail.content.decode()
