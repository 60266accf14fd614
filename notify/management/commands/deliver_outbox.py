from django.core.management.base import BaseCommand
from tqdm import tqdm

from notify.delivery import deliver, recover_interrupted


class Command(BaseCommand):
    help = "Send every due message in the outbox now (the worker does this every minute)."

    def handle(self, *args, **options):
        interrupted = recover_interrupted()
        with tqdm(desc="messages", unit="msg", disable=options["verbosity"] < 1) as bar:
            totals = deliver(progress=bar.update)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in {**totals, "interrupted": interrupted}.items()))
