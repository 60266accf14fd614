"""The local doubles as the demo's payment providers: `manage.py serve_payment_doubles` (started by `bin/serve`).

The development env file that `make run` writes (tilli/envfile.py) names the gateways, their test credentials
and, as each gateway's API base, a fixed loopback port (8701 Paytrail, 8702 Przelewy24, 8703 Stripe). Here each
gateway this deployment offers gets its double on exactly that port, with exactly those credentials, so the
running server talks to the double as it would to the provider; Stripe's webhook events go to the server's
`/pay/notify/stripe/` (Paytrail and Przelewy24 take their notification address with each payment). Test mode
only: with `PAYMENTS_LIVE` set, or an API base that is not `http://127.0.0.1:<port>`, nothing is served
(`DemoRefused`), so a double can never stand in for a real provider holding real money, nor listen beyond this
machine.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from billing.gateways import enabled

API_BASE_SETTINGS = {"stripe": "STRIPE_API_BASE", "paytrail": "PAYTRAIL_API_BASE", "przelewy24": "P24_API_BASE"}


class DemoRefused(Exception):
    """The deployment is not one the doubles may stand in for; the message says why (no secret in it)."""


@dataclass(frozen=True)
class Planned:
    gateway: str
    port: int


def plan() -> list[Planned]:
    """The doubles to serve: one per gateway this deployment offers, on its API base's loopback port."""
    if settings.PAYMENTS_LIVE:
        raise DemoRefused("PAYMENTS_LIVE is set: the payment doubles serve only in test mode.")
    planned = []
    for name in enabled():
        setting = API_BASE_SETTINGS[name]
        base = urllib.parse.urlsplit(getattr(settings, setting, ""))
        if base.scheme != "http" or base.hostname != "127.0.0.1" or not base.port:
            raise DemoRefused(f"{setting} must be http://127.0.0.1:<port> for the demo's {name} double.")
        planned.append(Planned(gateway=name, port=base.port))
    return planned


def build(planned: Planned, *, site_url: str) -> Any:
    """The gateway's double on its fixed port, holding the credentials the deployment's settings name."""
    if planned.gateway == "stripe":
        from billing.gateways.doubles.stripe import StripeDouble

        return StripeDouble(port=planned.port, secret_key=settings.STRIPE_SECRET_KEY,
                            webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
                            webhook_url=site_url.rstrip("/") + "/pay/notify/stripe/")
    if planned.gateway == "paytrail":
        from billing.gateways.doubles.paytrail import PaytrailDouble

        return PaytrailDouble(port=planned.port, account=settings.PAYTRAIL_ACCOUNT, secret=settings.PAYTRAIL_SECRET)
    from billing.gateways.doubles.przelewy24 import Przelewy24Double

    return Przelewy24Double(port=planned.port, merchant_id=settings.P24_MERCHANT_ID, pos_id=settings.P24_POS_ID,
                            crc=settings.P24_CRC, api_key=settings.P24_API_KEY)


@contextmanager
def serving(*, site_url: str, skip_taken: bool = False) -> Iterator[dict[str, Any]]:
    """Serve the planned doubles until the block ends; yields them by gateway. A port already taken raises OSError,
    unless `skip_taken` (seed_demo: the doubles may be running already), which leaves that gateway out."""
    doubles: dict[str, Any] = {}
    with ExitStack() as stack:
        for planned in plan():
            double = build(planned, site_url=site_url)
            try:
                doubles[planned.gateway] = stack.enter_context(double)
            except OSError:
                if not skip_taken:
                    raise
        yield doubles
