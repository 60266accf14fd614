"""Logs keep stack frames and exception types, never exception messages."""

import io
import logging

from django.conf import settings
from django.test import Client, override_settings
from django.urls import path
from django.utils.module_loading import import_string


def _boom(request):
    email = request.headers["X-Test-Email"]  # personal data arriving at run time, as a form value would
    try:
        raise KeyError(email)
    except KeyError as error:
        raise ValueError(f"duplicate key (email)=({email})") from error


urlpatterns = [path("boom/", _boom)]


def test_an_exception_with_personal_data_is_logged_without_its_message(db):
    formatter = settings.LOGGING["formatters"]["plain"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(import_string(formatter["()"])(formatter["format"]))
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
            client = Client(raise_request_exception=False)
            response = client.get("/boom/", headers={"X-Test-Email": "anna.virtanen@example.test"})
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 500
    assert b"anna.virtanen" not in response.content
    logged = stream.getvalue()
    assert "ValueError: [message withheld] (while handling: KeyError)" in logged
    assert "_boom" in logged  # the frames are still there for debugging
    assert "anna.virtanen" not in logged
