"""Local HTTP doubles of the payment providers, for tests and the browser tests."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler


def answered_browser_noise(handler: BaseHTTPRequestHandler) -> bool:
    """Answer a browser's own request on a hosted page (its favicon) with 404, as a provider's site would, so it
    is not recorded as a wrong API call; True when it was one."""
    if handler.command != "GET" or handler.path.split("?")[0] != "/favicon.ico":
        return False
    handler.send_response(404)
    handler.send_header("Content-Length", "0")
    handler.end_headers()
    return True
