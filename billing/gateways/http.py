"""One HTTP request to a payment provider, with the retry rule the gateways share.

Standard library only (urllib.request). Redirects are not followed: a provider that answers an API call
with a redirect is misconfigured, and following it could resend a payment as a GET. No answer at all
(connection refused, DNS, TLS, timeout) raises a retryable GatewayError; an answer, whatever its status,
is returned for the gateway to judge (`status_error` says which statuses a retry can help with).

A timeout after the request went out is ambiguous (the provider may have created the payment); the
gateways send our stamp with every request that moves money, so the provider refuses a second one.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from billing.gateways.base import GatewayError

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
USER_AGENT = "Tilli-Payments/1"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: bytes
    headers: dict[str, str]  # names lower-cased

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None


def request(*, prefix: str, method: str, url: str, headers: dict[str, str], body: bytes | None,
            timeout: float) -> HttpAnswer:
    """Send the request and return the answer whatever its status; raise a retryable GatewayError
    ("<prefix>:timeout" or "<prefix>:unreachable") when there is none."""
    if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
        raise GatewayError(f"{prefix}:url-not-http", retryable=False)
    # The scheme is checked above (settings allow plain http only with DEBUG).
    req = urllib.request.Request(url, data=body, method=method,  # noqa: S310
                                 headers={"User-Agent": USER_AGENT, **headers})
    try:
        with _opener.open(req, timeout=timeout) as response:
            return HttpAnswer(response.status, response.read(), _lower(response.headers.items()))
    except urllib.error.HTTPError as error:
        with error:
            return HttpAnswer(error.code, error.read(), _lower(error.headers.items()))
    except TimeoutError:
        raise GatewayError(f"{prefix}:timeout", retryable=True) from None
    except urllib.error.URLError as error:
        code = "timeout" if isinstance(error.reason, TimeoutError) else "unreachable"
        raise GatewayError(f"{prefix}:{code}", retryable=True) from None
    except (OSError, http.client.HTTPException):
        raise GatewayError(f"{prefix}:unreachable", retryable=True) from None


def status_error(prefix: str, status: int) -> GatewayError:
    """The error for an unexpected status: a retry can help with 408, 425, 429 and 5xx only."""
    return GatewayError(f"{prefix}:http-{status}", retryable=status in RETRYABLE_STATUSES or status >= 500)


def _lower(items: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in items}
