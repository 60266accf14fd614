"""One HTTP request to a gateway, with the retry rule every HTTP transport shares.

Standard library only (urllib.request). Redirects are not followed: a gateway that answers a POST
with a redirect is misconfigured, and following it could resend the message as a GET.

What a retry can help with: no answer (connection refused, DNS, TLS, timeout), 408, 429 and 5xx.
A timeout after the request went out is ambiguous (the gateway may have accepted the message);
gateways that support an idempotency key (SMSAPI's `idx`) make that retry safe.
"""

from __future__ import annotations

import base64
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from notify.sms.base import TransportError

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
USER_AGENT = "Tilli-SMS/1"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: bytes
    content_type: str

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def request(*, prefix: str, url: str, body: bytes, headers: dict[str, str], timeout: float,
            method: str = "POST") -> HttpAnswer:
    """Send the request and return the answer, whatever its status; raise a retryable
    `TransportError` (code "<prefix>:timeout" or "<prefix>:unreachable") when there is none."""
    if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
        raise TransportError(f"{prefix}:url-not-http", retryable=False)
    # The scheme is checked above (settings allow plain http only with DEBUG).
    req = urllib.request.Request(url, data=body, method=method,  # noqa: S310
                                 headers={"User-Agent": USER_AGENT, **headers})
    try:
        with _opener.open(req, timeout=timeout) as response:
            return HttpAnswer(response.status, response.read(), response.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as error:
        with error:
            return HttpAnswer(error.code, error.read(), error.headers.get("Content-Type", ""))
    except TimeoutError:
        raise TransportError(f"{prefix}:timeout", retryable=True) from None
    except urllib.error.URLError as error:
        code = "timeout" if isinstance(error.reason, TimeoutError) else "unreachable"
        raise TransportError(f"{prefix}:{code}", retryable=True) from None
    except (OSError, http.client.HTTPException):
        raise TransportError(f"{prefix}:unreachable", retryable=True) from None


def status_error(prefix: str, status: int, detail: str = "") -> TransportError:
    """The error for a non-2xx answer; `detail` must be non-personal (a provider's error code)."""
    code = f"{prefix}:http-{status}" + (f" {detail}" if detail else "")
    return TransportError(code, retryable=status in RETRYABLE_STATUSES or status >= 500)
