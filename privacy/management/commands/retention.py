from django.core.management.base import BaseCommand
from tqdm import tqdm

from privacy.retention import run_retention


class Command(BaseCommand):
    help = "Apply the registry's retention rules (the daily task does the same); --dry-run only counts."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be removed; change nothing.")

    def handle(self, *args, dry_run: bool, **options):
        bars: list[tqdm] = []

        def progress(code: str):
            bar = tqdm(desc=code, unit="client", leave=False, disable=options["verbosity"] < 1)
            bars.append(bar)
            return bar.update

        report = run_retention(dry_run=dry_run, progress=progress)
        for bar in bars:
            bar.close()
        verb = "would remove" if dry_run else "removed"
        for result in report.results:
            self.stdout.write(f"{result.code:20} {verb} {result.count:6}  {result.description}")
