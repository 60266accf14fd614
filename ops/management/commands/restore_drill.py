import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup.service import BackupError, restore_drill, verify_restored


class Command(BaseCommand):
    help = ("Restore a backup into a scratch database and prove it whole: row counts and checksums as in its "
            "manifest, migrations apply, the audit chains verify, and no erased client is back after the erasure "
            "ledger is replayed. The live database is not touched.")

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", default="latest")
        parser.add_argument("--source", choices=("directory", "s3"), default="directory")
        # Internal: run by the drill in a process whose database is the scratch copy.
        parser.add_argument("--verify-here", action="store_true", help="(internal)")
        parser.add_argument("--ledger", type=Path, help="(internal)")

    def handle(self, *args, name: str, source: str, verify_here: bool, ledger: Path | None, **options):
        if verify_here:
            self.stdout.write(json.dumps(verify_restored(ledger=ledger)))
            return
        try:
            report = restore_drill(name=name, source=source)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Backup {report.name} from {source}: {report.tables} tables, {report.rows} rows, "
                          f"checksum {report.sha256} matches its manifest.")
        self.stdout.write(f"Audit chains: {report.audit_chains} verified, {len(report.audit_broken)} broken.")
        self.stdout.write(f"Erasure ledger: {report.ledger_entries} entries, {report.erased_again} client(s) "
                          f"erased again, {report.erased_back} erased client(s) back.")
        if not report.ok:
            raise CommandError("The restore drill FAILED.")
        self.stdout.write("Restore drill passed.")
