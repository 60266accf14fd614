"""Exports of everything about one client (GDPR Arts. 15 and 20), built from the registry.

The export is a zip: `export.json` (every registered field of every row that leads to
the client, the access log, and the Art. 15 information; its schema is `schema.json`),
and a readable `export.html` and `export.pdf` in the client's language. A background
task builds it; the file is sealed with the organization's data key; the link expires
after EXPORT_LINK_DAYS and the retention job deletes the file. Building and each
download are audited.
"""

from __future__ import annotations

import html
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
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from kernel.access_log import access_log_entries
from kernel.audit import Actor, record
from kernel.models import AuditAction
from kernel.subjects import client_registrations, exported_fields, row_values, rows_of
from privacy.errors import RequestError
from privacy.export_schema import export_schema
from privacy.information import art15_information
from privacy.models import DataExport, DataSubjectRequest, ExportStatus
from tenancy.keyring import decrypt_bytes, encrypt_bytes
from tilli.errors import Conflict
from tilli.lib.fields import field_label

logger = logging.getLogger(__name__)
FORMAT_VERSION = 1


def export_document(client, *, now=None, progress=None) -> dict[str, Any]:
    """The machine-readable export: one section per registered model, then the access log and Art. 15 facts."""
    organization = client.organization
    regs = client_registrations()
    sections: dict[str, Any] = {}
    for n, reg in enumerate(regs, start=1):
        fields = exported_fields(reg)
        rows = [row_values(reg, row, fields) for row in rows_of(reg, client)]
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


def _sections(document: dict[str, Any], limit: int | None) -> list[dict[str, Any]]:
    """The data part in the reader's language: a table per model in HTML, the latest `limit` rows as
    lines in the PDF; a model with one row (the client's own record) as label/value pairs."""
    from django.apps import apps

    out = []
    for label, section in document["data"].items():
        model = apps.get_model(label)
        names = list(section["rows"][0])
        titles = [field_label(model, n) if n != "id" else _("Number") for n in names]
        rows = section["rows"] if limit is None else section["rows"][-limit:]
        shown = [[_shown(row[n]) for n in names] for row in rows]
        entry = {"title": section["title"], "total": len(section["rows"]), "shown": len(shown)}
        if len(shown) == 1:
            entry["single"] = list(zip(titles, shown[0], strict=True))
        elif limit:
            entry["lines"] = [" · ".join(f"{t}: {v}" for t, v in zip(titles, row, strict=True) if v != "—")
                              for row in shown]
        else:
            entry["table"] = _table(titles, shown)
        out.append(entry)
    return out


PDF_ROW_LIMIT = 20


def _table(titles: list[str], rows: list[list[str]]) -> SafeString:
    """A long table built directly (the template engine is ten times slower for 10,000 rows)."""
    escape = html.escape
    head = "".join(f"<th>{escape(t)}</th>" for t in titles)
    body = "".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>" for row in rows)
    return mark_safe(f'<table class="list"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')  # noqa: S308


def _log_rows(log: list[dict[str, Any]]) -> list[list[str]]:
    def who(e: dict[str, Any]) -> str:
        text = e["actor"] + (f": {e['name']}" if e["name"] else "") + (f" ({e['role']})" if e["role"] else "")
        return text + (f" · {e['ip']}" if e["ip"] else "")

    return [[e["time"], who(e), f"{e['action']} · {e['object']}", ", ".join(e["fields"])] for e in log]


def _readable(document: dict[str, Any], client) -> tuple[str, bytes]:
    """The HTML holds everything; the PDF holds the latest rows of long lists (the note says where the rest is),
    so a client with years of history still gets a printable document in seconds."""
    from weasyprint import HTML

    def render(limit: int | None) -> str:
        log = document["access_log"]
        shown_log = log if limit is None else log[-2 * limit:]
        log_titles = [_("Time"), _("Who"), _("What"), _("Fields")]
        return render_to_string("privacy/export.html", {
            "doc": document, "organization": client.organization, "sections": _sections(document, limit),
            "log_total": len(log), "log_shown": len(shown_log), "limit": limit,
            "log_lines": [" · ".join(v for v in row if v) for row in _log_rows(shown_log)] if limit else None,
            "log_table": None if limit else _table(log_titles, _log_rows(shown_log)),
            "generated_at": timezone.localtime().strftime("%Y-%m-%d %H:%M")})

    return render(None), HTML(string=render(PDF_ROW_LIMIT)).write_pdf()


def build_zip(client, *, progress=None) -> bytes:
    """The export file's content, in the client's language."""
    with translation.override(_language(client)), timezone.override(client.organization.time_zone):
        document = export_document(client, progress=progress)
        page, pdf = _readable(document, client)
        schema = export_schema()
        readme = render_to_string("privacy/export_readme.txt", {"organization": client.organization})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.json", json.dumps(document, ensure_ascii=False, indent=2))
        archive.writestr("schema.json", json.dumps(schema, ensure_ascii=False, indent=2))
        archive.writestr("export.html", page)
        archive.writestr("export.pdf", pdf)
        archive.writestr("README.txt", readme)
    return buffer.getvalue()


def _path(export: DataExport) -> Path:
    return Path(settings.EXPORT_DIR) / str(export.organization_id) / export.file_name


def request_export(*, client, actor: Actor, request: DataSubjectRequest | None = None,
                   by_client: bool = False) -> DataExport:
    """Queue an export of the client; a background task builds it."""
    if client.erased_at is not None:
        raise ValidationError(_("This client has been erased; there is nothing to export."))
    if request is not None and request.identity_verified_at is None:
        raise Conflict(RequestError.IDENTITY_UNVERIFIED, _("Verify the client's identity before disclosing anything."))
    with transaction.atomic():
        export = DataExport.objects.create(organization=client.organization, client=client, request=request,
                                           requested_by_user_id=actor.user_id, requested_by_client=by_client)
        build_export.enqueue(export.pk)  # in the transaction: the task commits with the export row, or neither
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
        if export.requested_by_client:
            answer_copy_request(export)  # in the same transaction: a ready copy never leaves its request open
    return export


@task
def build_export(export_id: int) -> dict[str, int]:
    """The background half of `request_export`; it lives here, beside the work, so the module that queues it
    does not import `privacy.tasks` (which would import it back)."""
    export = run_export(export_id)
    return {"export": export.pk, "size": export.size}


def answer_copy_request(export: DataExport) -> None:
    """Answer the client's copy request as soon as the copy is ready in the portal.

    The copy is provided when the client can download it, whether or not they do: waiting
    for the download would leave delivered requests overdue in the owner's queue. Closing
    emails the client that the request was answered, which also tells a client who left
    the page that the copy is waiting. Called by the task in the transaction that marks the
    copy ready (the portal only shows it: a GET changes nothing); the row lock makes it
    happen once. A request that cannot be closed yet (e.g. over the
    yearly limit, awaiting the owner's decision) stays in the owner's queue.
    """
    from privacy.models import RequestStatus
    from privacy.requests import request_complete

    if export.status != ExportStatus.READY or export.request_id is None:
        return
    with transaction.atomic():
        req = (DataSubjectRequest.objects.select_for_update(of=("self",)).select_related("organization", "client")
               .filter(pk=export.request_id, status__in=(RequestStatus.OPEN, RequestStatus.EXTENDED)).first())
        if req is None:
            return
        with translation.override(req.organization.default_language):
            outcome = _("A copy of the data was made available for download in the client portal.")
        try:
            with transaction.atomic():
                request_complete(req=req, actor=Actor.system("portal copy ready"), outcome=outcome)
        except ValidationError:
            return


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
