"""Exports from the staff panel: started after re-authentication, progress polled by htmx,
downloaded as a zip; an expired or unfinished one gives a clear page, never an error."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.management import call_command
from django.utils import timezone

from privacy.models import DataExport, ExportStatus
from privacy.requests import request_verify_identity
from tilli.test import make_client
from web.tests.privacy_helpers import SYSTEM, english, make_request, reauthenticate, url


def _run_tasks() -> None:
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_owner_exports_from_the_client_page_watches_progress_and_downloads_a_zip(world, client_for, settings,
                                                                                  tmp_path):
    settings.EXPORT_DIR = tmp_path
    anna = make_client(world.org, email="anna@example.test")
    owner = english(client_for(world.owner))
    start = url(world, "web:client_export_start", client_id=anna.pk)
    response = owner.post(start)
    assert response["Location"].startswith("/accounts/reauthenticate/?next=") and not DataExport.objects.exists()
    reauthenticate(owner)
    assert owner.post(start).status_code == 302
    export = DataExport.objects.get()
    html = owner.get(url(world, "web:client_detail", client_id=anna.pk)).content.decode()
    status_url = url(world, "web:export_status", export_id=export.pk)
    assert f'hx-get="{status_url}"' in html and 'hx-trigger="every 2s"' in html and "<progress" in html

    _run_tasks()
    partial = owner.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    download = url(world, "web:export_download", export_id=export.pk)
    assert "hx-trigger" not in partial and download in partial and "<html" not in partial

    response = owner.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;") and "Virtanen" not in response[
        "Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert {"export.json", "export.pdf", "README.txt"} <= set(archive.namelist())
    export.refresh_from_db()
    assert export.downloads == 1


@pytest.mark.django_db(transaction=True)
def test_an_access_request_gets_its_export_once_identity_is_verified_and_can_then_be_completed(
        world, client_for, settings, tmp_path, smtp_server):
    settings.EXPORT_DIR = tmp_path
    anna = make_client(world.org, email="anna@example.test")
    req = make_request(world, anna)
    owner = english(client_for(world.owner))
    reauthenticate(owner)
    detail = url(world, "web:request_detail", request_id=req.pk)
    response = owner.post(detail, {"action": "export"})
    assert "Verify the client&#x27;s identity first." in response.content.decode()
    request_verify_identity(req=req, method="document", actor=SYSTEM)
    assert owner.post(detail, {"action": "export"}).status_code == 302
    export = DataExport.objects.get(request=req)
    assert url(world, "web:export_status", export_id=export.pk) in owner.get(detail).content.decode()
    _run_tasks()
    assert url(world, "web:export_download", export_id=export.pk) in owner.get(detail).content.decode()
    assert owner.post(detail, {"action": "complete"}).status_code == 302
    req.refresh_from_db()
    assert req.status == "completed"
    _run_tasks()  # the worker sends the client's email from the outbox
    assert smtp_server.wait_for(1)[0]["To"] == "anna@example.test"


def test_an_unfinished_or_expired_export_gives_a_clear_page(world, client_for):
    anna = make_client(world.org)
    export = DataExport.objects.create(organization=world.org, client=anna, status=ExportStatus.QUEUED)
    owner = english(client_for(world.owner))
    reauthenticate(owner)
    download = url(world, "web:export_download", export_id=export.pk)
    response = owner.get(download)
    assert response.status_code == 410 and "has expired or is not ready" in response.content.decode()
    DataExport.objects.filter(pk=export.pk).update(status=ExportStatus.READY, file_name="gone.zip.sealed",
                                                   expires_at=timezone.now() - dt.timedelta(hours=1))
    assert owner.get(download).status_code == 410


def test_the_progress_partial_polls_while_the_export_is_built(world, client_for):
    anna = make_client(world.org)
    export = DataExport.objects.create(organization=world.org, client=anna, status=ExportStatus.RUNNING, progress=40)
    html = english(client_for(world.owner)).get(url(world, "web:export_status", export_id=export.pk),
                                                HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in html and 'value="40"' in html and "40 %" in html


def test_only_members_who_answer_requests_reach_exports(world, client_for):
    export = DataExport.objects.create(organization=world.org, client=make_client(world.org))
    for role in ("reception", "practitioner", "accountant"):
        member = client_for(world.member(role))
        assert member.get(url(world, "web:export_status", export_id=export.pk)).status_code == 404
        assert member.get(url(world, "web:export_download", export_id=export.pk)).status_code == 404
