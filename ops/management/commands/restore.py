from django.core.management.base import BaseCommand, CommandError

from ops.backup.service import BackupError, restore_backup


class Command(BaseCommand):
    help = ("Restore a backup into the configured database (empty, unless --replace), check it against its "
            "manifest, migrate, then erase again everyone in the erasure ledger (docs/backups.md).")

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", default="latest", help="The backup's name, e.g. "
                            "tilli-20261206T020000Z (default: the latest).")
        parser.add_argument("--source", choices=("directory", "s3"), default="directory")
        parser.add_argument("--replace", action="store_true",
                            help="Overwrite a database that is not empty (stop the web servers and workers first).")

    def handle(self, *args, name: str, source: str, replace: bool, **options):
        try:
            report = restore_backup(name=name, source=source, replace_existing=replace)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restored {report.name}: {report.tables} tables, {report.rows} rows, "
                          f"checksum {report.sha256} as in its manifest.")
        self.stdout.write(f"Erasure ledger: {report.ledger_entries} entries checked, "
                          f"{report.erased_again} client(s) erased again.")
