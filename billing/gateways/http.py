"""The payment providers' HTTP: `tilli.lib.http` raising GatewayError, as "Tilli-Payments/1".

Redirects are not followed; no answer raises a retryable GatewayError ("<prefix>:timeout" or
"<prefix>:unreachable"); an answer, whatever its status, is returned for the gateway to judge
(`status_error` says which statuses a retry can help with). See `tilli.lib.http` for why.
"""

from __future__ import annotations

from billing.gateways.base import GatewayError
from tilli.lib.http import HttpAnswer, HttpClient

__all__ = ["USER_AGENT", "HttpAnswer", "request", "status_error"]

USER_AGENT = "Tilli-Payments/1"

_client = HttpClient(error=GatewayError, user_agent=USER_AGENT)
request = _client.request
status_error = _client.status_error
