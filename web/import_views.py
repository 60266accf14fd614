"""Panel pages for importing clients from a CSV file and exporting them as one.

Import is two steps: the upload is checked (a dry run) and the report shown; the file's
text waits encrypted in the database (clients.pending_imports), never in a URL, a log or the
session, until the owner confirms or cancels, for at most PENDING_MINUTES. The confirm step
checks everything again and creates all rows or none. Export is a POST, so no link prefetch
or crawler writes export events.
"""

from __future__ import annotations

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

from clients.exporting import export_clients_csv
from clients.importing import (
    MAX_FILE_BYTES,
    ImportFileError,
    ImportRefused,
    ImportReport,
    accepted_columns,
    decode_upload,
    dry_run,
    run_import,
)
from clients.pending_imports import pending_import_discard, pending_import_keep, pending_import_take
from kernel.audit import actor_for_request
from tenancy.access import require_perm
from tenancy.roles import Perm

SHOWN_ROWS = 200


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("UTF-8 text, columns separated by semicolons or commas, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(_("The file is larger than 5 MB. Split it into smaller files."))
        try:
            return decode_upload(upload.read())
        except ImportFileError as error:
            raise ValidationError(error.message) from None


def _upload_page(request: HttpRequest, form: ImportUploadForm) -> HttpResponse:
    return render(request, "web/clients/import.html", {"form": form, "columns": accepted_columns()})


def _report_page(request: HttpRequest, report: ImportReport, digest: str | None) -> HttpResponse:
    return render(request, "web/clients/import_report.html", {
        "report": report, "digest": digest, "form": ImportUploadForm(), "columns": accepted_columns(),
        "errors": report.errors[:SHOWN_ROWS], "more_errors": max(0, len(report.errors) - SHOWN_ROWS),
        "duplicates": report.duplicates[:SHOWN_ROWS],
        "more_duplicates": max(0, len(report.duplicates) - SHOWN_ROWS),
    })


def client_import(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.IMPORT_CLIENTS)
    if request.method != "POST":
        return _upload_page(request, ImportUploadForm())
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, form)
    text = form.cleaned_data["file"]
    pending_import_discard(organization=request.organization, member=request.membership)
    try:
        report = dry_run(request.organization, text, actor=actor_for_request(request))
    except ImportFileError as error:
        form.add_error("file", error.message)
        return _upload_page(request, form)
    # Only a file that can be imported waits for confirmation; one with errors is fixed and sent again.
    digest = pending_import_keep(organization=request.organization, member=request.membership, text=text) \
        if report.ok else None
    return _report_page(request, report, digest)


@require_POST
def client_import_confirm(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.IMPORT_CLIENTS)
    # Taken at once, whatever the button: a second click, or a cancel, finds nothing left.
    text = pending_import_take(organization=request.organization, member=request.membership,
                               digest=request.POST.get("digest"))
    if "cancel" in request.POST:
        messages.info(request, _("The import was cancelled and the file discarded."))
        return redirect("web:client_import", org_slug=request.organization.slug)
    if text is None:
        messages.error(request, _("The checked file is no longer waiting. Upload it again."))
        return redirect("web:client_import", org_slug=request.organization.slug)
    try:
        report = run_import(request.organization, text, actor=actor_for_request(request),
                            skip_duplicates=request.POST.get("skip_duplicates") == "1")
    except ImportRefused as refused:
        return _report_page(request, refused.report, None)
    except ImportFileError as error:
        messages.error(request, error.message)
        return redirect("web:client_import", org_slug=request.organization.slug)
    text = ngettext("%(count)d client was imported.", "%(count)d clients were imported.", report.created)
    if report.skipped:
        text += " " + ngettext("%(skipped)d likely duplicate was left out.",
                               "%(skipped)d likely duplicates were left out.", report.skipped)
    messages.success(request, text % {"count": report.created, "skipped": report.skipped})
    return redirect("web:client_list", org_slug=request.organization.slug)


@require_POST
def client_export(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.EXPORT_CLIENTS)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"clients-{request.organization.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    add_never_cache_headers(response)
    export_clients_csv(request.organization, actor=actor_for_request(request), stream=response)
    return response
