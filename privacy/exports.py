"""Exports of everything about one client (GDPR Arts. 15 and 20), built from the registry.

The export is a zip: `export.json` (every registered field of every row that leads to
the client, the access log, and the Art. 15 information; its schema is `schema.json`),
and a readable `export.html` and `export.pdf` in the client's language. A background
task builds it; the file is sealed with the organization's data key; the link expires
after EXPORT_LINK_DAYS and the retention job deletes the file. Building and each
download are audited.
"""

from __future__ import annotations

import io
import json
import logging
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from privacy.access_log import access_log_entries
from privacy.audit import Actor, record
from privacy.export_schema import export_schema
from privacy.information import art15_information
from privacy.models import AuditAction, DataExport, DataSubjectRequest, ExportStatus
from privacy.subjects import client_registrations, row_values, rows_of
from tenancy.keyring import decrypt_bytes, encrypt_bytes

logger = logging.getLogger(__name__)
FORMAT_VERSION = 1


def export_document(client, *, now=None, progress=None) -> dict[str, Any]:
    """The machine-readable export: one section per registered model, then the access log and Art. 15 facts."""
    organization = client.organization
    regs = client_registrations()
    sections: dict[str, Any] = {}
    for n, reg in enumerate(regs, start=1):
        rows = [row_values(reg, row) for row in rows_of(reg, client)]
        if rows:
            sections[reg.label] = {"title": str(reg.model._meta.verbose_name_plural), "rows": rows}
        if progress:
            progress(int(80 * n / (len(regs) + 1)))
    return {
        "format": "tilli-client-export",
        "version": FORMAT_VERSION,
        "generated_at": (now or timezone.now()).isoformat(),
        "language": translation.get_language(),
        "organization": {"name": organization.name, "business_id": organization.business_id},
        "subject_reference": str(client.subject_ref),
        "data": sections,
        "access_log": access_log_entries(client),
        "information": art15_information(organization, client),
    }


def _language(client) -> str:
    return client.preferred_language or client.organization.default_language


def _shown(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict):
        return str(value.get("label", "")) if "label" in value else ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    return str(value)


def _sections(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The data part as labelled rows, with the fields' names in the reader's language."""
    from django.apps import apps

    out = []
    for label, section in document["data"].items():
        meta = apps.get_model(label)._meta
        rows = [[(str(meta.get_field(name).verbose_name) if name != "id" else _("Number"), _shown(value))
                 for name, value in row.items()] for row in section["rows"]]
        out.append({"title": section["title"], "rows": rows})
    return out


def _readable(document: dict[str, Any], client) -> tuple[str, bytes]:
    from weasyprint import HTML

    context = {"doc": document, "organization": client.organization, "sections": _sections(document),
               "log": document["access_log"], "generated_at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
    html = render_to_string("privacy/export.html", context)
    return html, HTML(string=html).write_pdf()


def build_zip(client, *, progress=None) -> bytes:
    """The export file's content, in the client's language."""
    with translation.override(_language(client)), timezone.override(client.organization.time_zone):
        document = export_document(client, progress=progress)
        html, pdf = _readable(document, client)
        schema = export_schema()
        readme = render_to_string("privacy/export_readme.txt", {"organization": client.organization})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.json", json.dumps(document, ensure_ascii=False, indent=2))
        archive.writestr("schema.json", json.dumps(schema, ensure_ascii=False, indent=2))
        archive.writestr("export.html", html)
        archive.writestr("export.pdf", pdf)
        archive.writestr("README.txt", readme)
    return buffer.getvalue()


def _path(export: DataExport) -> Path:
    return Path(settings.EXPORT_DIR) / str(export.organization_id) / export.file_name


def request_export(*, client, actor: Actor, request: DataSubjectRequest | None = None,
                   by_client: bool = False) -> DataExport:
    """Queue an export of the client; a background task builds it."""
    from privacy.tasks import build_export

    if client.erased_at is not None:
        raise ValidationError(_("This client has been erased; there is nothing to export."))
    with transaction.atomic():
        export = DataExport.objects.create(organization=client.organization, client=client, request=request,
                                           requested_by_user_id=actor.user_id, requested_by_client=by_client)
        transaction.on_commit(lambda: build_export.enqueue(export.pk))
    return export


def run_export(export_id: int) -> DataExport:
    """Build one queued export (the task's body): progress is saved as it goes; failures are recorded."""
    export = DataExport.objects.select_related("client__organization").get(pk=export_id)
    if export.status not in (ExportStatus.QUEUED, ExportStatus.FAILED):
        return export
    DataExport.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING, progress=1)

    def progress(percent: int) -> None:
        DataExport.objects.filter(pk=export.pk).update(progress=max(1, min(percent, 99)))

    try:
        content = encrypt_bytes(export.organization_id, f"export:{export.pk}", build_zip(export.client,
                                                                                       progress=progress))
        export.file_name = f"{uuid.uuid4().hex}.zip.sealed"
        path = _path(export)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    except Exception:
        logger.exception("Building export %s failed", export.pk)
        DataExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED, error="build_failed")
        raise
    now = timezone.now()
    with transaction.atomic():
        DataExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.READY, progress=100, finished_at=now, file_name=export.file_name,
            size=len(content), expires_at=now + timedelta(days=settings.EXPORT_LINK_DAYS))
        actor = Actor(kind="client") if export.requested_by_client else Actor.system("export")
        if export.requested_by_user_id:
            actor = Actor(kind="user", user_id=export.requested_by_user_id)
        record(organization=export.organization, actor=actor, action=AuditAction.EXPORT, obj=export.client,
               subject_ref=export.client.subject_ref, detail={"export": export.pk, "format": "zip"})
    export.refresh_from_db()
    return export


class ExportUnavailable(ValidationError):
    def __init__(self) -> None:
        super().__init__(_("This download has expired or is not ready. Ask for a new copy."), code="export_unavailable")


def open_export(*, export: DataExport, actor: Actor) -> bytes:
    """The zip's bytes for a download by the client or a staff member; every download is audited."""
    if export.status != ExportStatus.READY or not export.expires_at or export.expires_at <= timezone.now():
        raise ExportUnavailable
    try:
        content = decrypt_bytes(export.organization_id, f"export:{export.pk}", _path(export).read_bytes())
    except FileNotFoundError:
        raise ExportUnavailable from None
    with transaction.atomic():
        DataExport.objects.filter(pk=export.pk).update(downloads=F("downloads") + 1)
        record(organization=export.organization, actor=actor, action=AuditAction.EXPORT, obj=export.client,
               subject_ref=export.client.subject_ref, detail={"export": export.pk, "downloaded": True})
    return content


def delete_export_file(organization_id: int, file_name: str) -> None:
    if file_name:
        (Path(settings.EXPORT_DIR) / str(organization_id) / file_name).unlink(missing_ok=True)
