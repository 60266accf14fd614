"""The one outgoing HTTP client and the one loopback server: an answer of any status comes back, a redirect
is an answer and is not followed, no answer is a retryable error in the caller's own class and codes, and a
stopped server frees its port."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler

import pytest

from tilli.lib.http import HttpClient, retryable_status
from tilli.lib.loopback import LoopbackServer


class CallerError(Exception):
    def __init__(self, code: str, *, retryable: bool) -> None:
        super().__init__(code)
        self.code = code
        self.retryable = retryable


client = HttpClient(error=CallerError, user_agent="Tilli-Test/1")
seen: list[tuple[str, str, dict[str, str], bytes]] = []
release = threading.Event()


def _answer(handler: BaseHTTPRequestHandler) -> None:
    body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
    seen.append((handler.command, handler.path, {k.lower(): v for k, v in handler.headers.items()}, body))
    if handler.path == "/slow":
        release.wait(2)
    if handler.path == "/moved":
        status, payload, extra = 302, b"", {"Location": "/elsewhere"}
    elif handler.path == "/broken":
        status, payload, extra = 503, b"not json", {}
    else:
        status, payload, extra = 200, json.dumps({"ok": True}).encode(), {"X-Answer": "yes"}
    try:
        handler.send_response(status)
        for name, value in {"Content-Length": str(len(payload)), **extra}.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)
    except (BrokenPipeError, ConnectionResetError):
        pass


@pytest.fixture
def server():
    seen.clear()
    release.clear()
    with LoopbackServer(_answer, methods=("GET", "POST", "PUT")) as running:
        yield running
        release.set()


def test_an_answer_comes_back_with_its_status_body_and_lower_cased_headers(server):
    answer = client.request(prefix="test", method="PUT", url=server.url + "/thing", headers={"Accept": "x/y"},
                            body=b"payload", timeout=5)

    assert (answer.status, answer.json(), answer.headers["x-answer"]) == (200, {"ok": True}, "yes")
    method, path, headers, body = seen[-1]
    assert (method, path, body) == ("PUT", "/thing", b"payload")
    assert headers["user-agent"] == "Tilli-Test/1" and headers["accept"] == "x/y"


def test_a_redirect_is_the_answer_and_is_not_followed(server):
    answer = client.request(prefix="test", url=server.url + "/moved", headers={}, body=b"", timeout=5)

    assert answer.status == 302 and answer.headers["location"] == "/elsewhere"
    assert [path for _, path, _, _ in seen] == ["/moved"]


def test_an_error_status_is_returned_and_its_body_that_is_not_json_reads_as_none(server):
    answer = client.request(prefix="test", method="GET", url=server.url + "/broken", headers={}, body=None,
                            timeout=5)

    assert answer.status == 503 and answer.json() is None
    error = client.status_error("test", answer.status, "E42")
    assert isinstance(error, CallerError) and (error.code, error.retryable) == ("test:http-503 E42", True)


@pytest.mark.parametrize(("status", "retryable"), [(400, False), (401, False), (404, False), (408, True),
                                                   (425, True), (429, True), (500, True), (501, True)])
def test_a_retry_helps_with_408_425_429_and_5xx_only(status, retryable):
    assert retryable_status(status) is retryable
    assert client.status_error("p", status).code == f"p:http-{status}"


def test_no_answer_in_time_is_a_retryable_timeout(server):
    with pytest.raises(CallerError) as raised:
        client.request(prefix="test", url=server.url + "/slow", headers={}, body=b"", timeout=0.3)

    assert (raised.value.code, raised.value.retryable) == ("test:timeout", True)


def test_a_stopped_server_frees_its_port_and_a_request_is_a_retryable_unreachable():
    server = LoopbackServer(_answer).start()
    url = server.url
    server.stop()

    with pytest.raises(CallerError) as raised:
        client.request(prefix="test", url=url, headers={}, body=b"", timeout=5)
    assert (raised.value.code, raised.value.retryable) == ("test:unreachable", True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", server.port))


def test_a_url_that_is_not_http_is_refused_before_anything_is_sent():
    with pytest.raises(CallerError) as raised:
        client.request(prefix="test", url="file:///etc/passwd", headers={}, body=None, timeout=5)

    assert (raised.value.code, raised.value.retryable) == ("test:url-not-http", False)


def test_a_method_the_server_was_not_given_is_answered_501(server):
    answer = client.request(prefix="test", method="DELETE", url=server.url + "/thing", headers={}, body=None,
                            timeout=5)

    assert answer.status == 501 and seen == []
