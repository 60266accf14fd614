"""One outgoing HTTP request to a provider (payments, SMS), with the retry rule every caller shares.

Payment gateways and SMS transports once carried their own copy of this; they differ only in the error
class they raise and the User-Agent they send, so an `HttpClient` is built with those two and each caller
keeps its own exceptions and codes.

Standard library only (urllib.request). Redirects are not followed (`NO_REDIRECTS`): a provider that
answers an API call with a redirect is misconfigured, and following it could resend a payment or a message
as a GET. No answer at all (connection refused, DNS, TLS, timeout) raises a retryable error
"<prefix>:timeout" or "<prefix>:unreachable"; an answer, whatever its status, is returned for the caller to
judge (`status_error` says which statuses a retry can help with: 408, 425, 429 and 5xx).

A timeout after the request went out is ambiguous (the provider may have acted on it); callers that move
money or send messages give the provider an idempotency key so that a retry cannot do it twice.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class ErrorFactory[E: Exception](Protocol):
    """An exception class such as GatewayError or TransportError: built from a short code and whether a
    retry can help."""

    def __call__(self, code: str, *, retryable: bool) -> E: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx comes back as an HTTPError: an answer like any other non-2xx


NO_REDIRECTS = urllib.request.build_opener(_NoRedirect)
"""An opener that returns a redirect as the answer instead of following it."""


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: bytes
    headers: dict[str, str]  # names lower-cased

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON (an empty body included)."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None


def retryable_status(status: int) -> bool:
    """Whether a retry can help with an answer of this status: 408, 425, 429 and 5xx."""
    return status in RETRYABLE_STATUSES or status >= 500


@dataclass(frozen=True)
class HttpClient[E: Exception]:
    """The requests of one kind of caller: the error class it raises and the User-Agent it sends."""

    error: ErrorFactory[E]
    user_agent: str

    def request(self, *, prefix: str, url: str, headers: dict[str, str], body: bytes | None, timeout: float,
                method: str = "POST") -> HttpAnswer:
        """Send the request and return the answer, whatever its status; raise a retryable error
        ("<prefix>:timeout" or "<prefix>:unreachable") when there is none, and a final one
        ("<prefix>:url-not-http") for a URL that is not HTTP."""
        if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
            raise self.error(f"{prefix}:url-not-http", retryable=False)
        # The scheme is checked above (settings allow plain http only with DEBUG, and in tests).
        req = urllib.request.Request(url, data=body, method=method,  # noqa: S310
                                     headers={"User-Agent": self.user_agent, **headers})
        try:
            with NO_REDIRECTS.open(req, timeout=timeout) as response:
                return HttpAnswer(response.status, response.read(), _lower(response.headers.items()))
        except urllib.error.HTTPError as error:
            with error:
                return HttpAnswer(error.code, error.read(), _lower(error.headers.items()))
        except TimeoutError:
            raise self.error(f"{prefix}:timeout", retryable=True) from None
        except urllib.error.URLError as error:
            code = "timeout" if isinstance(error.reason, TimeoutError) else "unreachable"
            raise self.error(f"{prefix}:{code}", retryable=True) from None
        except (OSError, http.client.HTTPException):
            raise self.error(f"{prefix}:unreachable", retryable=True) from None

    def status_error(self, prefix: str, status: int, detail: str = "") -> E:
        """The error for an unexpected status, "<prefix>:http-<status>[ <detail>]"; `detail` must be
        non-personal (a provider's error code), never its free text."""
        code = f"{prefix}:http-{status}" + (f" {detail}" if detail else "")
        return self.error(code, retryable=retryable_status(status))


def _lower(items: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in items}
