import json

from django.core.management.base import BaseCommand
from django.utils import translation

from privacy.export_schema import export_schema


class Command(BaseCommand):
    help = "Print the JSON Schema of client exports (docs/export-schema.json is this output)."

    def handle(self, *args, **options):
        with translation.override("en"):
            self.stdout.write(json.dumps(export_schema(), ensure_ascii=False, indent=2))
