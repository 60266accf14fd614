"""SMS transports. `get_transport()` builds the one the settings choose (SMS_GATEWAY)."""

from __future__ import annotations

from django.conf import settings

from notify.sms.base import SmsResult, SmsTransport, TransportError

__all__ = ["SmsResult", "SmsTransport", "TransportError", "get_transport"]


def get_transport() -> SmsTransport | None:
    """The configured transport, or None when SMS is disabled. Settings were validated at
    start-up (tilli/settings.py), so this only assembles them."""
    gateway = settings.SMS_GATEWAY
    timeout = getattr(settings, "SMS_TIMEOUT", 10)
    if gateway == "disabled":
        return None
    if gateway == "file":
        from notify.sms.console import FileTransport

        return FileTransport(settings.SMS_FILE_PATH)
    if gateway == "http":
        from notify.sms.http_generic import DEFAULT_JSON_BODY, HttpGatewayTransport

        return HttpGatewayTransport(
            url=settings.SMS_GATEWAY_URL,
            token=getattr(settings, "SMS_GATEWAY_TOKEN", ""),
            user=getattr(settings, "SMS_GATEWAY_USER", ""),
            password=getattr(settings, "SMS_GATEWAY_PASSWORD", ""),
            body_template=getattr(settings, "SMS_GATEWAY_BODY", DEFAULT_JSON_BODY),
            body_format=getattr(settings, "SMS_GATEWAY_BODY_FORMAT", "json"),
            id_pointer=getattr(settings, "SMS_GATEWAY_ID_POINTER", ""),
            timeout=timeout,
        )
    if gateway == "smsapi":
        from notify.sms.smsapi import DEFAULT_URL, SmsapiTransport

        return SmsapiTransport(token=settings.SMSAPI_TOKEN, url=getattr(settings, "SMSAPI_URL", DEFAULT_URL),
                               timeout=timeout)
    if gateway == "gatewayapi":
        from notify.sms.gatewayapi import DEFAULT_URL as GATEWAYAPI_URL
        from notify.sms.gatewayapi import GatewayApiTransport

        return GatewayApiTransport(token=settings.GATEWAYAPI_TOKEN,
                                   url=getattr(settings, "GATEWAYAPI_URL", GATEWAYAPI_URL), timeout=timeout)
    raise ValueError(f"Unknown SMS_GATEWAY {gateway!r}.")
