"""The SMS gateways' HTTP: `tilli.lib.http` raising TransportError, as "Tilli-SMS/1".

Redirects are not followed: a gateway that answers a POST with a redirect is misconfigured, and following it
could resend the message as a GET. What a retry can help with: no answer (connection refused, DNS, TLS,
timeout), 408, 425, 429 and 5xx. A timeout after the request went out is ambiguous (the gateway may have
accepted the message); gateways that support an idempotency key (SMSAPI's `idx`) make that retry safe.
"""

from __future__ import annotations

import base64

from notify.sms.base import TransportError
from tilli.lib.http import HttpAnswer, HttpClient

__all__ = ["USER_AGENT", "HttpAnswer", "basic_auth", "request", "status_error"]

USER_AGENT = "Tilli-SMS/1"

_client = HttpClient(error=TransportError, user_agent=USER_AGENT)
request = _client.request
status_error = _client.status_error


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
