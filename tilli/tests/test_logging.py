"""Logs keep stack frames and exception types, never exception messages."""

import logging
import logging.config

from django.conf import settings
from django.test import Client, override_settings
from django.urls import path


def _boom(request):
    email = request.headers["X-Test-Email"]  # personal data arriving at run time, as a form value would
    try:
        raise KeyError(email)
    except KeyError as error:
        raise ValueError(f"duplicate key (email)=({email})") from error


urlpatterns = [path("boom/", _boom)]


def test_an_exception_with_personal_data_is_logged_without_its_message(db, capsys):
    logging.config.dictConfig(settings.LOGGING)
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        client = Client(raise_request_exception=False)
        response = client.get("/boom/", headers={"X-Test-Email": "anna.virtanen@example.test"})
    assert response.status_code == 500
    assert b"anna.virtanen" not in response.content
    logged = capsys.readouterr().err
    assert "ValueError: [message withheld] (while handling: KeyError)" in logged
    assert "_boom" in logged  # the frames are still there for debugging
    assert "anna.virtanen" not in logged
