"""Online payment gateways (Stripe, Paytrail, Przelewy24), each one small class behind `base.PaymentGateway`.

Which gateways a deployment offers, and their credentials, come from settings (PAYMENT_GATEWAYS and each
gateway's own settings); `gateway(name)` builds the class from them. Each module names its class `GATEWAY`.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings

from billing.gateways.base import GatewayError, PaymentGateway

NAMES = ("stripe", "paytrail", "przelewy24")


def enabled() -> list[str]:
    """The gateways this deployment is configured for, in the order settings name them."""
    return [name for name in settings.PAYMENT_GATEWAYS if name in NAMES]


def gateway(name: str) -> PaymentGateway:
    """The configured gateway `name`; GatewayError when this deployment does not offer it."""
    if name not in enabled():
        raise GatewayError(f"{name}:not-enabled", retryable=False)
    return import_module(f"billing.gateways.{name}").GATEWAY.from_settings()
