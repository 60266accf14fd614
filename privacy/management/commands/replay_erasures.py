from django.core.management.base import BaseCommand
from tqdm import tqdm

from privacy.erasure import replay_erasures


class Command(BaseCommand):
    help = ("After restoring a backup: erase again every client in the erasure ledger (ERASURE_LEDGER_PATH, kept "
            "outside the database) whose data the backup brought back.")

    def handle(self, *args, **options):
        with tqdm(desc="ledger entries", unit="entry", disable=options["verbosity"] < 1) as bar:
            checked, erased = replay_erasures(progress=bar.update)
        self.stdout.write(f"Checked {checked} erasures; erased {erased} client(s) again.")
