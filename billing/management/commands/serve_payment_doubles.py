"""Serve the payment providers' local doubles for the demo (`bin/serve` starts it when PAYMENT_DOUBLES=1).

Each gateway in PAYMENT_GATEWAYS gets its double on the loopback port of its API base setting (STRIPE_API_BASE,
PAYTRAIL_API_BASE, P24_API_BASE: the env file that `make run` writes sets them), with the credentials the settings
hold; Stripe's events go to the local server's /pay/notify/stripe/. Refuses in live mode and for any address but
127.0.0.1. Runs until interrupted (Ctrl-C or SIGTERM).
"""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from billing.gateways.doubles.demo import DemoRefused, plan, serving


class Command(BaseCommand):
    help = "Serve the payment gateways' test doubles on their fixed loopback ports (test mode only) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--site-url", default="",
                            help="The local server the doubles notify (default: SITE_URL).")

    def handle(self, *args, site_url: str, **options):
        site_url = site_url or settings.SITE_URL
        try:
            planned = plan()
        except DemoRefused as refused:
            raise CommandError(str(refused)) from None
        if not planned:
            raise CommandError("PAYMENT_GATEWAYS names no gateway: there is no double to serve.")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            with serving(site_url=site_url) as doubles:
                for name, double in doubles.items():
                    self.stdout.write(f"{name} test double on {double.url} (TEST MODE)")
                self.stdout.flush()
                while not stop.wait(1):
                    pass
        except OSError as error:
            raise CommandError(f"A payment double's port is taken ({error.strerror}); is another one running?") \
                from None
        except KeyboardInterrupt:
            pass
