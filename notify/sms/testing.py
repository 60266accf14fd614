"""A real local HTTP server for transport tests: it records each request and answers as told.

Tests give it a `respond(request) -> Answer` function that checks the request the way the
provider does and answers what the provider would; the server (`tilli.lib.loopback`) runs on
127.0.0.1 on a free port in a thread, so the transport under test goes through urllib, sockets and
HTTP like in production.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tilli.lib.loopback import LoopbackServer


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def form(self) -> dict[str, str]:
        """The body as a form; every field must appear once (providers take single values)."""
        pairs = urllib.parse.parse_qsl(self.body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        fields = dict(pairs)
        assert len(fields) == len(pairs), "a form field appears twice"
        return fields

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Answer:
    status: int = 200
    body: Any = field(default_factory=dict)  # dict/list -> JSON, str/bytes -> as is
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (to provoke a client timeout)


@dataclass
class FakeProvider:
    url: str
    requests: list[Recorded]


@contextmanager
def fake_provider(respond: Callable[[Recorded], Answer]) -> Iterator[FakeProvider]:
    requests: list[Recorded] = []
    stop = threading.Event()

    def handle(handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        parts = urllib.parse.urlsplit(handler.path)
        recorded = Recorded(
            method=handler.command, path=parts.path, query=urllib.parse.parse_qs(parts.query),
            headers={name.lower(): value for name, value in handler.headers.items()},
            body=handler.rfile.read(length),
        )
        requests.append(recorded)
        answer = respond(recorded)
        if answer.delay:
            stop.wait(answer.delay)
        if isinstance(answer.body, (dict, list)):
            payload, content_type = json.dumps(answer.body).encode(), "application/json"
        elif isinstance(answer.body, str):
            payload, content_type = answer.body.encode(), "text/plain; charset=utf-8"
        else:
            payload, content_type = answer.body, "application/octet-stream"
        try:
            handler.send_response(answer.status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    with LoopbackServer(handle, methods=("GET", "POST", "PUT")) as server:
        try:
            yield FakeProvider(url=server.url, requests=requests)
        finally:
            stop.set()
