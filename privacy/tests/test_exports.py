"""Exports (D1, D5): everything linked to the client, nothing of anyone else, built in the
background, sealed at rest, expiring, audited, and described by a schema kept in docs/."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import zipfile
from pathlib import Path

import jsonschema
import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent
from kernel.subjects import client_registrations
from privacy.export_schema import export_schema
from privacy.exports import ExportUnavailable, export_document, open_export, request_export
from privacy.models import DataExport, ExportStatus
from tenancy.models import Membership
from tilli.test import make_client, make_full_client

SYSTEM = Actor.system("test")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_the_document_holds_every_linked_table_and_validates_against_its_schema(world):
    full = make_full_client(world.org, world.practitioner)
    with translation.override("fi"):
        document = export_document(full.client)
    jsonschema.validate(document, export_schema())
    expected = {"clients.Client", "clients.MarketingConsent", "clients.SpecialCategoryApproval", "clients.ClientRecord",
                "clients.Visit", "clients.ClientSignIn", "clients.PortalLoginToken", "booking.Appointment",
                "booking.AppointmentTransition", "billing.Payment", "privacy.DataSubjectRequest", "notify.Message",
                "clients.CareAssignment"}
    assert expected <= set(document["data"])
    client_row = document["data"]["clients.Client"]["rows"][0]
    assert client_row["national_id"] == full.national_id  # the client's own ID, in full, to the client
    assert "portal_password" not in client_row and "national_id_index" not in client_row
    assert document["data"]["clients.ClientRecord"]["rows"][0]["body"] == full.note
    assert document["data"]["clients.ClientSignIn"]["rows"][0]["ip"] == "198.51.100.7"
    consent = document["data"]["clients.MarketingConsent"]["rows"][0]
    assert (consent["purpose"], consent["channel"], consent["granted"]) == ("direct_marketing", "email", True)
    assert "token_hash" not in document["data"]["clients.PortalLoginToken"]["rows"][0]
    assert document["data"]["billing.Payment"]["rows"][0]["receipt_number"] == 1
    assert any(e["action"] for e in document["access_log"])
    info = document["information"]
    assert info["controller"]["name"] == world.org.name
    assert any("Tietosuojavaltuutetun" in r for r in info["rights"])
    assert info["retention"] and info["purposes"] and info["recipients"]


@pytest.mark.django_db
def test_nothing_of_another_client_or_organization_is_in_it(world):
    full = make_full_client(world.org, world.practitioner)
    # A double-barrelled surname: the staff's random (Faker) names never contain it, and the export rightly
    # names the treating practitioner, who could otherwise be a "Lahtinen" too.
    neighbour = make_full_client(world.org, world.practitioner, first_name="Aino", last_name="Lahtinen-Kivelä")
    polish = make_full_client(world.other_org, Membership.objects.filter(organization=world.other_org).first(),
                              first_name="Zofia", last_name="Wiśniewska")
    make_client(world.org, first_name="Ilmatar", last_name="Toinen")  # same first name, different person
    text = json.dumps(export_document(full.client), ensure_ascii=False)
    for value in (neighbour.name, neighbour.email, polish.name, polish.email, polish.national_id, "Toinen",
                  neighbour.note):
        assert value not in text, value
    assert full.name in text


@pytest.mark.django_db
def test_every_registered_client_field_is_in_the_schema_and_the_docs_are_current():
    schema = export_schema()
    for reg in client_registrations():
        properties = schema["properties"]["data"]["properties"][reg.label]["properties"]["rows"]["items"]["properties"]
        assert set(reg.fields) - reg.not_exported <= set(properties), reg.label  # every personal field
        assert not reg.not_exported & set(properties) and "organization" not in properties
    with translation.override("en"):
        assert json.loads((ROOT / "docs" / "export-schema.json").read_text()) == json.loads(
            json.dumps(export_schema(), ensure_ascii=False)), "run: manage.py export_schema > docs/export-schema.json"


@pytest.mark.django_db(transaction=True)
def test_a_background_task_builds_a_sealed_file_that_downloads_once_audited_and_expires(world, settings, tmp_path):
    settings.EXPORT_DIR = tmp_path
    full = make_full_client(world.org, world.practitioner)
    full.client.preferred_language = "fi"
    full.client.save()
    export = request_export(client=full.client, actor=SYSTEM)
    assert export.status == ExportStatus.QUEUED
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    export.refresh_from_db()
    assert export.status == ExportStatus.READY and export.progress == 100 and export.size > 0
    sealed = next(tmp_path.rglob("*.sealed")).read_bytes()
    assert full.name.encode() not in sealed and b"export.json" not in sealed  # encrypted at rest
    assert AuditEvent.objects.filter(subject_ref=full.client.subject_ref, action=AuditAction.EXPORT).count() == 1

    content = open_export(export=export, actor=SYSTEM)
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert sorted(archive.namelist()) == ["README.txt", "export.html", "export.json", "export.pdf", "schema.json"]
    document = json.loads(archive.read("export.json"))
    assert document["language"] == "fi" and document["subject_reference"] == str(full.client.subject_ref)
    html = archive.read("export.html").decode()
    assert 'lang="fi"' in html
    pdf = tmp_path / "export.pdf"
    pdf.write_bytes(archive.read("export.pdf"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Kivikangas" in text and "Tietosuojavaltuutetun" in text
    assert AuditEvent.objects.filter(subject_ref=full.client.subject_ref, action=AuditAction.EXPORT).count() == 2
    assert DataExport.objects.get(pk=export.pk).downloads == 1

    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ExportUnavailable):
        open_export(export=DataExport.objects.get(pk=export.pk), actor=SYSTEM)


@pytest.mark.django_db
def test_an_erased_client_cannot_be_exported(world):
    from django.core.exceptions import ValidationError

    from privacy.erasure import erase_client

    full = make_full_client(world.org, world.practitioner)
    erase_client(client=full.client, actor=SYSTEM)
    full.client.refresh_from_db()
    with pytest.raises(ValidationError):
        request_export(client=full.client, actor=SYSTEM)


@pytest.mark.django_db
def test_the_build_task_is_written_in_the_requests_transaction_and_rolls_back_with_it(world):
    """Durable: a crash right after the commit still leaves the task for the worker (no on_commit hand-off)."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    client = make_client(world.org)
    tasks = DBTaskResult.objects.filter(task_path="privacy.exports.build_export")
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        request_export(client=client, actor=SYSTEM)
        assert tasks.count() == 1
        1 / 0  # noqa: B018  (the caller fails after asking)
    assert not tasks.exists() and not DataExport.objects.exists()
    export = request_export(client=client, actor=SYSTEM)
    assert tasks.get().args_kwargs["args"] == [export.pk]
