"""JSON log lines carry the request id the client sees, and no personal data even when a request fails."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import path
from django.utils.module_loading import import_string

EMAIL = "anna.virtanen@example.test"


def _boom(request):
    email = request.POST.get("email") or request.GET["email"]
    logging.getLogger("web.views").warning("looking up %s", email)  # a careless log call in a view
    raise ValueError(f"duplicate key (email)=({email})")


urlpatterns = [path("boom/", _boom, name="boom")]


@pytest.fixture
def log_lines():
    formatter = settings.LOGGING["formatters"]["json"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(import_string(formatter["()"])())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_a_failing_request_with_an_email_logs_json_with_its_request_id_and_without_the_email(db, log_lines):
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        response = Client(raise_request_exception=False).post(f"/boom/?email={EMAIL}", {"email": EMAIL})
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    lines = log_lines()
    assert {line["logger"] for line in lines} >= {"web.views", "django.request", "tilli.access"}
    assert all(line["request_id"] == request_id for line in lines)
    error = next(line for line in lines if line["logger"] == "django.request")
    assert error["message"] == "Internal Server Error: boom" and error["level"] == "ERROR"
    assert "ValueError: [message withheld]" in error["exception"]
    access = next(line for line in lines if line["logger"] == "tilli.access")
    assert access["route"] == "boom" and access["status"] == 500 and access["duration_ms"] >= 0
    written = json.dumps(lines)
    assert "anna.virtanen" not in written and "example.test" not in written


def test_the_proxys_request_id_is_kept_and_a_malformed_one_replaced(db, log_lines):
    response = Client().get("/healthz", headers={"X-Request-ID": "edge-1234abcd"})
    assert response["X-Request-ID"] == "edge-1234abcd"
    assert log_lines()[-1]["request_id"] == "edge-1234abcd"
    response = Client().get("/healthz", headers={"X-Request-ID": "bad id\nforged line"})
    assert response["X-Request-ID"] != "bad id\nforged line" and len(response["X-Request-ID"]) == 32


def test_lines_outside_a_request_have_no_request_id(log_lines):
    logging.getLogger("ops").warning("backup took %s s", 3)
    assert log_lines()[-1]["request_id"] == "-" and log_lines()[-1]["message"] == "backup took 3 s"
