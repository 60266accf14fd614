"""The operator's own record of processing activities (GDPR Art. 30(2)), for the superuser.

Every organization on this installation is a controller for which the operator processes data;
the record names each of them, what is done on its behalf, the sub-processors, any transfers
outside the EU/EEA and the security measures the installation really has.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from privacy.document_rendering import processor_record


class Command(BaseCommand):
    help = "Write the processor's Art. 30(2) record as HTML, PDF or CSV."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["html", "pdf", "csv"], default="html")
        parser.add_argument("--output", required=True, help="File to write (the record names every organization).")
        parser.add_argument("--language", default="en", choices=[code for code, _ in settings.LANGUAGES])

    def handle(self, *args, **options):
        path = Path(options["output"])
        if not path.parent.is_dir():
            raise CommandError(f"No such directory: {path.parent}")
        with translation.override(options["language"]):
            content = processor_record(options["format"])
        path.write_bytes(content)
        path.chmod(0o600)  # it lists every customer organization of the operator
        self.stdout.write(f"Wrote the processor's record ({options['format']}, {len(content)} bytes) to {path}")
