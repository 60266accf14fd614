import base64
import secrets

from django.core.management.base import BaseCommand

from ops.backup.service import backup_create


class Command(BaseCommand):
    help = ("Take a consistent, encrypted, checksummed backup of the database and write it to the backup directory "
            "and S3-compatible storage, then apply retention (docs/backups.md). Scheduled daily.")

    def add_arguments(self, parser):
        parser.add_argument("--new-key", action="store_true",
                            help="Print a new BACKUP_KEY value and exit (keep it apart from TILLI_MASTER_KEYS).")
        parser.add_argument("--single-destination", action="store_true",
                            help="Write to the backup directory only (development; production needs two places).")

    def handle(self, *args, new_key: bool, single_destination: bool, **options):
        if new_key:
            self.stdout.write("b1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
            return
        run = backup_create(single_destination=single_destination)
        self.stdout.write(f"Backup {run.name}: {run.size} bytes, sha256 {run.sha256}, written to "
                          f"{' and '.join(run.destinations)}.")
