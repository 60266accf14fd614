"""Panel pages for importing clients and future appointments from another system's CSV file, and for
exporting clients as one.

An import is upload -> columns and preview -> import. The upload is decoded (UTF-8, UTF-16, Windows-1252,
ISO-8859-1) and its text waits encrypted in the database (clients.pending_imports), never in a URL, a log or
the session, for at most PENDING_MINUTES. The columns page maps each column of the file to a Tilli field
(suggested by a saved mapping made for the same column names, else by the column names), previews the first
rows as they will be imported with each row's problems, lets the owner save the mapping by name and, for a
row that looks like an existing client, choose skip, create or update. The import re-checks everything:
clients all or none, appointments row by row. Export is a POST, so no link prefetch or crawler writes
export events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from booking.importing import (
    appointment_targets,
    appointments_dry_run,
    appointments_import,
    suggest_appointment_targets,
)
from clients.exporting import export_clients_csv
from clients.import_files import MAX_FILE_BYTES, ImportFileError, ParsedFile, decode_upload, read_csv
from clients.import_mappings import apply_mapping, import_mapping_save, mappings_for, matching_mapping
from clients.importing import (
    Choice,
    ImportRefused,
    accepted_columns,
    client_targets,
    dry_run,
    run_import,
    suggest_targets,
)
from clients.models import CustomField, ImportKind
from clients.pending_imports import (
    pending_import_discard,
    pending_import_keep,
    pending_import_read,
    pending_import_take,
)
from kernel.audit import actor_for_request
from tenancy.access import require_perm
from tenancy.roles import Perm

SHOWN_ROWS = 200


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("A CSV export of any system: columns separated by semicolons, commas or tabs, "
                               "UTF-8 or Windows (ANSI) text, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}))

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(_("The file is larger than 5 MB. Split it into smaller files."))
        try:
            text = decode_upload(upload.read())
            read_csv(text)
        except ImportFileError as error:
            raise ValidationError(error.message) from None
        return text


@dataclass(frozen=True)
class _Flow:
    """What differs between importing clients and importing appointments."""

    kind: str
    url: str  # the upload page's URL name; "<url>_preview" and "<url>_confirm" follow it
    upload_template: str
    targets: Callable[[HttpRequest], list[tuple[str, str]]]
    suggest: Callable[[HttpRequest, list[str]], list[str]]


def _custom_fields(request: HttpRequest) -> list[CustomField]:
    return list(CustomField.objects.for_organization(request.organization).filter(is_active=True))


CLIENTS = _Flow(ImportKind.CLIENTS, "web:client_import", "web/clients/import.html",
                lambda request: client_targets(_custom_fields(request)),
                lambda request, headers: suggest_targets(headers, _custom_fields(request)))
APPOINTMENTS = _Flow(ImportKind.APPOINTMENTS, "web:appointment_import", "web/clients/import_appointments.html",
                     lambda request: appointment_targets(),
                     lambda request, headers: suggest_appointment_targets(headers))


def _upload_page(request: HttpRequest, flow: _Flow, form: ImportUploadForm) -> HttpResponse:
    return render(request, flow.upload_template, {"form": form, "columns": accepted_columns()})


def _posted_targets(request: HttpRequest, flow: _Flow, headers: list[str]) -> list[str]:
    """The mapping sent by the columns form; a saved mapping chosen with "use" replaces it, and a form
    without any column (a script's POST) gets the suggestion."""
    if not any(key.startswith("col_") for key in request.POST):
        return _suggested_targets(request, flow, headers)[0]
    if request.POST.get("use_mapping"):
        saved = next((m for m in mappings_for(request.organization, flow.kind)
                      if str(m.pk) == request.POST["use_mapping"]), None)
        if saved is not None:
            return apply_mapping(saved, headers)
    known = {target for target, _label in flow.targets(request)}
    return [value if (value := request.POST.get(f"col_{index}", "")) in known else ""
            for index in range(len(headers))]


def _suggested_targets(request: HttpRequest, flow: _Flow, headers: list[str]) -> tuple[list[str], str]:
    saved = matching_mapping(request.organization, flow.kind, headers)
    if saved is not None:
        return apply_mapping(saved, headers), saved.name
    return flow.suggest(request, headers), ""


def _columns_page(request: HttpRequest, flow: _Flow, digest: str, parsed: ParsedFile, targets: list[str], *,
                  suggested_from: str = "", mapping_error: str = "", mapping_name_error: str = "",
                  choices: dict[int, str] | None = None) -> HttpResponse:
    report = None
    if not mapping_error:
        try:
            report = _dry_run(request, flow, parsed, targets)
        except ImportFileError as error:
            mapping_error = error.message
    first_cells = parsed.rows[0][1] if parsed.rows else []
    columns = [(index, header, _example(first_cells, index, targets[index]), targets[index])
               for index, header in enumerate(parsed.headers)]
    duplicates, more_duplicates = [], 0
    if report is not None and flow.kind == ImportKind.CLIENTS:
        for duplicate in report.duplicates[:SHOWN_ROWS]:
            chosen = (choices or {}).get(duplicate.row, Choice.SKIP)
            duplicates.append((duplicate, chosen, report.updatable(duplicate.row) is not None))
        more_duplicates = max(0, len(report.duplicates) - SHOWN_ROWS)
    return render(request, "web/clients/import_columns_page.html", {
        "flow": flow, "kind": flow.kind, "digest": digest, "columns": columns, "targets": flow.targets(request),
        "saved_mappings": mappings_for(request.organization, flow.kind), "suggested_from": suggested_from,
        "mapping_error": mapping_error, "mapping_name_error": mapping_name_error, "report": report,
        "rows": len(parsed.rows), "preview_url": flow.url + "_preview", "confirm_url": flow.url + "_confirm",
        "errors": report.errors[:SHOWN_ROWS] if report else [],
        "more_errors": max(0, len(report.errors) - SHOWN_ROWS) if report else 0,
        "duplicates": duplicates, "more_duplicates": more_duplicates,
    })


def _example(cells: list[str], index: int, target: str) -> str:
    """The first row's cell, as a hint of what the column holds; a national ID masked as everywhere."""
    value = cells[index] if index < len(cells) else ""
    return "••••••-•••" + value[-1] if target == "national_id" and value else value


def _dry_run(request: HttpRequest, flow: _Flow, parsed: ParsedFile, targets: list[str]):
    if flow.kind == ImportKind.APPOINTMENTS:
        return appointments_dry_run(request.organization, parsed, targets=targets)
    return dry_run(request.organization, parsed, targets=targets, actor=actor_for_request(request))


def _upload(request: HttpRequest, flow: _Flow) -> HttpResponse:
    require_perm(request, Perm.IMPORT_CLIENTS)
    if request.method != "POST":
        return _upload_page(request, flow, ImportUploadForm())
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, flow, form)
    text = form.cleaned_data["file"]
    digest = pending_import_keep(organization=request.organization, member=request.membership, text=text,
                                 kind=flow.kind)
    parsed = read_csv(text)
    targets, suggested_from = _suggested_targets(request, flow, parsed.headers)
    return _columns_page(request, flow, digest, parsed, targets, suggested_from=suggested_from)


def _waiting_again(request: HttpRequest, flow: _Flow) -> HttpResponse:
    messages.error(request, _("The uploaded file is no longer waiting. Upload it again."))
    return redirect(flow.url, org_slug=request.organization.slug)


def _choices(request: HttpRequest) -> dict[int, str]:
    allowed = {Choice.SKIP, Choice.CREATE, Choice.UPDATE}
    return {int(key.removeprefix("choice_")): value for key, value in request.POST.items()
            if key.startswith("choice_") and key.removeprefix("choice_").isdigit() and value in allowed}


def _preview(request: HttpRequest, flow: _Flow) -> HttpResponse:
    require_perm(request, Perm.IMPORT_CLIENTS)
    digest = request.POST.get("digest")
    text = pending_import_read(organization=request.organization, member=request.membership, digest=digest,
                               kind=flow.kind)
    if text is None:
        return _waiting_again(request, flow)
    parsed = read_csv(text)
    targets = _posted_targets(request, flow, parsed.headers)
    name_error = ""
    if request.POST.get("save_mapping"):
        try:
            import_mapping_save(organization=request.organization, actor=actor_for_request(request),
                                kind=flow.kind, name=request.POST.get("mapping_name", ""),
                                headers=parsed.headers, targets=targets)
            messages.success(request, _("The mapping was saved. It is suggested for files with the same columns."))
        except ValidationError as error:
            name_error = " ".join(error.messages)
    return _columns_page(request, flow, digest, parsed, targets, mapping_name_error=name_error,
                         choices=_choices(request))


def _confirm(request: HttpRequest, flow: _Flow) -> HttpResponse:
    require_perm(request, Perm.IMPORT_CLIENTS)
    if "cancel" in request.POST:
        pending_import_discard(organization=request.organization, member=request.membership)
        messages.info(request, _("The import was cancelled and the file discarded."))
        return redirect(flow.url, org_slug=request.organization.slug)
    # Taken at once: a second click finds nothing left. A refused import puts the file back (same digest).
    digest = request.POST.get("digest")
    text = pending_import_take(organization=request.organization, member=request.membership, digest=digest,
                               kind=flow.kind)
    if text is None:
        return _waiting_again(request, flow)
    parsed = read_csv(text)
    targets = _posted_targets(request, flow, parsed.headers)
    actor = actor_for_request(request)
    try:
        if flow.kind == ImportKind.APPOINTMENTS:
            report = appointments_import(organization=request.organization, source=parsed, actor=actor,
                                         targets=targets)
        else:
            report = run_import(request.organization, parsed, actor=actor, targets=targets,
                                choices=_choices(request))
    except (ImportRefused, ImportFileError):  # the mapping was changed after the preview: show it again
        digest = pending_import_keep(organization=request.organization, member=request.membership, text=text,
                                     kind=flow.kind)
        return _columns_page(request, flow, digest, parsed, targets, choices=_choices(request))
    if flow.kind == ImportKind.APPOINTMENTS:
        return render(request, "web/clients/import_appointments_done.html", {
            "report": report, "errors": report.errors[:SHOWN_ROWS],
            "more_errors": max(0, len(report.errors) - SHOWN_ROWS)})
    text = ngettext("%(count)d client was imported.", "%(count)d clients were imported.", report.created)
    if report.updated:
        text += " " + ngettext("%(updated)d existing client was completed.",
                               "%(updated)d existing clients were completed.", report.updated)
    if report.skipped:
        text += " " + ngettext("%(skipped)d likely duplicate was left out.",
                               "%(skipped)d likely duplicates were left out.", report.skipped)
    messages.success(request, text % {"count": report.created, "updated": report.updated,
                                      "skipped": report.skipped})
    return redirect("web:client_list", org_slug=request.organization.slug)


def client_import(request: HttpRequest) -> HttpResponse:
    return _upload(request, CLIENTS)


@require_POST
def client_import_preview(request: HttpRequest) -> HttpResponse:
    return _preview(request, CLIENTS)


@require_POST
def client_import_confirm(request: HttpRequest) -> HttpResponse:
    return _confirm(request, CLIENTS)


def appointment_import(request: HttpRequest) -> HttpResponse:
    return _upload(request, APPOINTMENTS)


@require_POST
def appointment_import_preview(request: HttpRequest) -> HttpResponse:
    return _preview(request, APPOINTMENTS)


@require_POST
def appointment_import_confirm(request: HttpRequest) -> HttpResponse:
    return _confirm(request, APPOINTMENTS)


@require_POST
def client_export(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.EXPORT_CLIENTS)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"clients-{request.organization.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    add_never_cache_headers(response)
    export_clients_csv(request.organization, actor=actor_for_request(request), stream=response)
    return response
