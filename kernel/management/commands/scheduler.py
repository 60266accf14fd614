import time

from django.core.management.base import BaseCommand

from kernel.scheduling import enqueue_due


class Command(BaseCommand):
    help = "Enqueue periodic jobs (retention, clean-up) when due; run beside db_worker."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Check once and exit.")
        parser.add_argument("--interval", type=float, default=60.0, help="Seconds between checks.")

    def handle(self, *args, once: bool, interval: float, **options):
        while True:
            for name in enqueue_due():
                self.stdout.write(f"enqueued {name}")
            if once:
                return
            time.sleep(interval)
