"""Check a CSV file of clients against an organization, or import it with --commit.

    python manage.py import_clients --organization SLUG FILE [--commit] [--duplicates skip|create|update]
                                    [--mapping NAME]

Without --commit nothing is written except one audit entry for the check. Messages are
in the organization's language unless --language says otherwise.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from tqdm import tqdm

from clients.import_files import ImportFileError, decode_upload, read_csv
from clients.import_mappings import apply_mapping, mappings_for, matching_mapping
from clients.importing import Choice, ImportRefused, ImportReport, dry_run, run_import
from clients.models import ImportKind
from kernel.audit import Actor
from tenancy.models import Organization


class Command(BaseCommand):
    help = ("Check a CSV file of clients for an organization and print the report (a dry run); "
            "with --commit, import every row in one transaction, or none if any row has an error.")

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="The organization's slug.")
        parser.add_argument("file", help="The CSV file: UTF-8, comma- or semicolon-separated, column names first.")
        parser.add_argument("--commit", action="store_true", help="Import for real (default: only check).")
        parser.add_argument("--duplicates", choices=[Choice.SKIP, Choice.CREATE, Choice.UPDATE], default=Choice.SKIP,
                            help="With --commit, what to do with rows that look like existing clients or earlier "
                                 "rows: skip them (default), create them anyway, or fill the existing client's "
                                 "empty fields.")
        parser.add_argument("--mapping", help="A column mapping saved in the panel, by name (default: the one "
                                              "saved for these column names, else the column names' meaning).")
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES],
                            help="Language of the report (default: the organization's).")

    def handle(self, *args, organization: str, file: str, commit: bool, duplicates: str, mapping: str | None,
               language: str | None, **options):
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f"No organization with the slug {organization!r}.")
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        actor = Actor.system("manage.py import_clients")
        with translation.override(language or org.default_language):
            refused = False
            try:  # a file that cannot be read, or whose columns cannot be mapped, is one clear message
                parsed = read_csv(decode_upload(data))
                targets = self._targets(org, parsed.headers, mapping)
                total = len(parsed.rows) * (2 if commit else 1)
                with tqdm(total=total, desc=org.slug, unit="row", file=self.stderr) as bar:
                    if commit:
                        report = run_import(org, parsed, actor=actor, targets=targets, default_choice=duplicates,
                                            progress=bar.update)
                    else:
                        report = dry_run(org, parsed, actor=actor, targets=targets, progress=bar.update)
            except ImportFileError as error:
                raise CommandError(error.message) from None
            except ImportRefused as error:
                report, refused = error.report, True
            self._print(report)
            if refused:
                raise CommandError(_("Nothing was imported: fix the rows with errors and run the import again."))
            if not commit:
                self.stdout.write(_("Dry run: nothing was imported. Run again with --commit to import."))

    def _targets(self, org: Organization, headers: list[str], name: str | None) -> list[str] | None:
        if name is None:
            saved = matching_mapping(org, ImportKind.CLIENTS, headers)
        else:
            saved = next((m for m in mappings_for(org, ImportKind.CLIENTS) if m.name == name), None)
            if saved is None:
                raise CommandError(f"No saved client mapping named {name!r}.")
        return apply_mapping(saved, headers) if saved else None

    def _print(self, report: ImportReport) -> None:
        write = self.stdout.write
        write(_("Rows in the file: %(count)d") % {"count": report.rows})
        write(_("Columns: %(columns)s") % {"columns": ", ".join(f"{h} → {label}" for h, label in report.columns)})
        if report.ignored_columns:
            write(_("Columns not imported: %(columns)s") % {"columns": ", ".join(report.ignored_columns)})
        if report.committed:
            write(_("Clients created: %(count)d") % {"count": report.created})
            write(_("Clients updated: %(count)d") % {"count": report.updated})
            if report.skipped:
                write(_("Likely duplicates left out: %(count)d") % {"count": report.skipped})
        else:
            write(_("Clients that would be created: %(count)d") % {"count": report.would_create})
        write(_("Rows with errors: %(count)d") % {"count": report.error_rows})
        for error in report.errors:
            write(f"  {_('row')} {error.row}, {error.column or '—'}: {error.message}")
        write(_("Rows that look like existing clients or earlier rows: %(count)d") % {"count": report.duplicate_rows})
        for duplicate in report.duplicates:
            if duplicate.client_id:
                match = _("client %(number)d (%(name)s)") % {"number": duplicate.client_id,
                                                             "name": duplicate.client_name}
            else:
                match = _("row %(row)d of this file") % {"row": duplicate.other_row}
            write(f"  {_('row')} {duplicate.row}: {duplicate.reason} — {match}")
