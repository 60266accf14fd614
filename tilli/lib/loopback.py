"""A real HTTP server on 127.0.0.1, for the local doubles of providers (payments, SMS) and their tests.

Every double used to start its own `ThreadingHTTPServer` and stop it again; this is that lifecycle once, so
a double only says how it answers. The server listens on a free loopback port (tests run side by side; only
the demo's `serve_payment_doubles` asks for a fixed one), serves in a daemon thread (a test that forgets to
stop it does not hang the run), speaks
HTTP/1.1 keep-alive like a provider, logs nothing (a request line can carry a reference or a number), and on
exit shuts down, closes the socket and joins the thread, so the port is free again.

    with LoopbackServer(answer, methods=("GET", "POST")) as server:
        call(server.url)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class _QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass


class LoopbackServer:
    """Serve `handle(request_handler)` for each request whose method is in `methods` (others are answered
    501 by the standard library); `poll_interval` is how often the serving thread looks for a shutdown; `port`
    0 is any free port (OSError when a fixed one is taken)."""

    def __init__(self, handle: Callable[[BaseHTTPRequestHandler], None], *,
                 methods: Iterable[str] = ("GET", "POST"), poll_interval: float = 0.5, port: int = 0) -> None:
        def serve(request_handler: BaseHTTPRequestHandler) -> None:
            handle(request_handler)

        handler = type("Handler", (_QuietHandler,), {f"do_{method.upper()}": serve for method in methods})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, args=(poll_interval,), daemon=True)
        self.port: int = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the listening socket and wait (at most 5 s) for the serving thread."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
