"""/api/v1 privacy: data-subject requests, exports and erasure, over the privacy engine's services."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.utils import timezone

from api.services import api_token_create
from api.tests.test_api import call
from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent
from notify.delivery import deliver
from privacy.models import DataExport, DataSubjectRequest
from tilli.test import make_client, make_full_client


@pytest.fixture
def token_for():
    return lambda m: api_token_create(membership=m, name="t", actor=Actor.system("t"))[1]


def _record(token: str, client=None, **data) -> dict:
    body = {"kind": "access", "channel": "email", "details": "Asks what we hold", **data}
    if client is not None:
        body["client_id"] = client.pk
    response = call("POST", "/requests", token, body)
    assert response.status_code == 201, response.content
    return response.json()


# --- recording and reading requests --------------------------------------------------------------------


def test_reception_records_a_request_and_follows_its_progress(world, token_for):
    client = make_client(world.org, email="asker@example.test")
    token = token_for(world.reception)
    created = _record(token, client)
    assert created["status"] == "open" and created["client_id"] == client.pk
    assert created["identity_verified"] is False and created["overdue"] is False
    assert created["due_at"] == created["deadline"] and created["extended_due_at"] is None
    assert created["limit_decision"] == "" and created["exports"] == []
    listed = call("GET", "/requests", token).json()
    assert [item["id"] for item in listed["items"]] == [created["id"]]
    read = call("GET", f"/requests/{created['id']}", token_for(world.practitioner))
    assert read.status_code == 200 and read.json()["details"] == "Asks what we hold"
    audit = AuditEvent.objects.for_organization(world.org).get(
        action=AuditAction.CREATE, object_type="privacy.datasubjectrequest", object_id=str(created["id"]))
    assert audit.actor_kind == "api" and audit.subject_ref == client.subject_ref


def test_staff_cannot_claim_a_request_came_through_the_portal_to_skip_the_identity_check(world, token_for):
    client = make_client(world.org)
    for member in (world.reception, world.owner):
        claimed = call("POST", "/requests", token_for(member),
                       {"kind": "access", "channel": "portal", "client_id": client.pk})
        assert claimed.status_code == 422 and "channel" in claimed.json()["fields"]
    assert not DataSubjectRequest.objects.exists()
    req = _record(token_for(world.reception), client)
    verified = call("POST", f"/requests/{req['id']}/verify", token_for(world.owner), {"method": "portal"})
    assert verified.status_code == 422 and "method" in verified.json()["fields"]
    assert DataSubjectRequest.objects.get(pk=req["id"]).identity_verified_at is None
    # Verifying is the owner's (MANAGE_REQUESTS), as in the panel.
    assert call("POST", f"/requests/{req['id']}/verify", token_for(world.reception),
                {"method": "document"}).status_code == 403


@pytest.mark.parametrize("received_at", [0, "1970-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00",
                                         "9999-12-31T23:59:59-14:00"])
def test_a_receipt_time_out_of_range_is_a_422_not_1970(world, token_for, received_at):
    response = call("POST", "/requests", token_for(world.reception),
                    {"kind": "access", "channel": "email", "received_at": received_at})
    assert response.status_code == 422 and "received_at" in response.json()["fields"]
    assert not DataSubjectRequest.objects.exists()


def test_a_receipt_time_without_an_offset_is_the_organizations_local_time(world, token_for):
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(world.org.time_zone)
    local = timezone.localtime(timezone.now() - dt.timedelta(days=3), zone).replace(tzinfo=None, microsecond=0)
    created = _record(token_for(world.reception), received_at=local.isoformat())
    stored = DataSubjectRequest.objects.get(pk=created["id"]).received_at
    assert timezone.localtime(stored, zone).replace(tzinfo=None) == local


def test_the_accountant_can_neither_record_nor_list_requests(world, token_for):
    token = token_for(world.accountant)
    assert call("POST", "/requests", token, {"kind": "access", "channel": "email"}).status_code == 403
    assert call("GET", "/requests", token).json()["code"] == "forbidden"
    req = _record(token_for(world.reception))
    assert call("GET", f"/requests/{req['id']}", token).status_code == 403


def test_bad_input_is_a_422_with_the_field_named(world, token_for):
    token = token_for(world.reception)
    wrong_kind = call("POST", "/requests", token, {"kind": "everything", "channel": "email"})
    assert wrong_kind.status_code == 422 and any(name.endswith("kind") for name in wrong_kind.json()["fields"])
    future = (timezone.now() + dt.timedelta(days=2)).isoformat()
    in_future = call("POST", "/requests", token, {"kind": "access", "channel": "email", "received_at": future})
    assert in_future.status_code == 422 and "received_at" in in_future.json()["fields"]
    assert call("GET", "/requests?status=lost", token).status_code == 422


def test_the_overdue_filter_lists_requests_past_their_month(world, token_for):
    token = token_for(world.reception)
    client = make_client(world.org)
    old = _record(token, client, received_at=(timezone.now() - dt.timedelta(days=40)).isoformat())
    fresh = _record(token, client)
    assert old["overdue"] is True and fresh["overdue"] is False
    overdue = call("GET", "/requests?overdue=true", token).json()["items"]
    assert [item["id"] for item in overdue] == [old["id"]] and overdue[0]["overdue"] is True
    everything = call("GET", "/requests", token).json()["items"]
    assert [item["id"] for item in everything] == [fresh["id"], old["id"]]
    assert call("GET", "/requests?status=completed", token).json()["items"] == []
    assert len(call("GET", "/requests?status=open", token).json()["items"]) == 2


# --- answering: owner only -----------------------------------------------------------------------------


MANAGING = [("verify", {"method": "document"}), ("extend", {"months": 1, "reason": "Archive"}),
            ("decide-limit", {"allow": True}), ("complete", {"outcome": "Done"}), ("refuse", {"reasons": "No"})]


@pytest.mark.parametrize("role", ["reception", "practitioner", "accountant"])
def test_only_the_owner_answers_requests(world, token_for, role):
    req = _record(token_for(world.reception), make_client(world.org))
    token = token_for(world.member(role))
    for action, body in MANAGING:
        response = call("POST", f"/requests/{req['id']}/{action}", token, body)
        assert response.status_code == 403, action
        assert response.json()["code"] == "forbidden"
    assert DataSubjectRequest.objects.get(pk=req["id"]).status == "open"
    finnish = call("POST", f"/requests/{req['id']}/extend", token, MANAGING[1][1], language="fi").json()
    assert finnish["code"] == "forbidden" and finnish["message"] != "Your role does not allow this."


def test_a_letter_is_linked_to_its_client_then_verified(world, token_for):
    owner = token_for(world.owner)
    req = _record(token_for(world.reception), channel="letter", kind="restriction")
    no_client = call("POST", f"/requests/{req['id']}/verify", owner, {"method": "document"})
    assert no_client.status_code == 409 and no_client.json()["code"] == "no_client"
    client = make_client(world.org)
    linked = call("POST", f"/requests/{req['id']}/link-client", token_for(world.reception), {"client_id": client.pk})
    assert linked.json()["client_id"] == client.pk
    needs_note = call("POST", f"/requests/{req['id']}/verify", owner, {"method": "other"})
    assert needs_note.status_code == 422 and "note" in needs_note.json()["fields"]
    verified = call("POST", f"/requests/{req['id']}/verify", owner, {"method": "document"}).json()
    assert verified["identity_verified"] is True and verified["identity_method"] == "document"
    not_done = call("POST", f"/requests/{req['id']}/complete", owner, {})
    assert not_done.status_code == 409 and not_done.json()["code"] == "not_done"


def test_an_extension_emails_the_client_and_happens_once(world, token_for, smtp_server):
    client = make_client(world.org, email="waiting@example.test")
    req = _record(token_for(world.reception), client)
    owner = token_for(world.owner)
    too_long = call("POST", f"/requests/{req['id']}/extend", owner, {"months": 3, "reason": "Archive"})
    assert too_long.status_code == 422 and "months" in too_long.json()["fields"]
    extended = call("POST", f"/requests/{req['id']}/extend", owner, {"months": 2, "reason": "Records in the archive"})
    assert extended.status_code == 200
    body = extended.json()
    assert body["status"] == "extended" and body["deadline"] == body["extended_due_at"] > body["due_at"]
    deliver()  # the worker sends what the request queued
    message = smtp_server.wait_for(1)[0]
    assert message["To"] == "waiting@example.test"
    assert "Records in the archive" in message.get_payload(decode=True).decode()
    again = call("POST", f"/requests/{req['id']}/extend", owner, {"months": 1, "reason": "More"}, language="fi")
    assert again.status_code == 409 and again.json()["code"] == "already_extended"
    assert "waiting@example.test" not in again.content.decode()


def test_a_client_without_email_must_be_told_otherwise(world, token_for):
    req = _record(token_for(world.reception), make_client(world.org), channel="letter")
    owner = token_for(world.owner)
    untold = call("POST", f"/requests/{req['id']}/refuse", owner, {"reasons": "Manifestly unfounded"})
    assert untold.status_code == 422 and untold.json()["code"] == "not_told"
    told = call("POST", f"/requests/{req['id']}/refuse", owner, {"reasons": "Manifestly unfounded",
                                                                  "told_otherwise": True})
    assert told.status_code == 200 and told.json()["status"] == "refused"


def test_a_refusal_emails_the_reasons_and_closes_the_request(world, token_for, smtp_server):
    client = make_client(world.org, email="refused@example.test")
    req = _record(token_for(world.reception), client, kind="erasure")
    owner = token_for(world.owner)
    refused = call("POST", f"/requests/{req['id']}/refuse", owner, {"reasons": "An open invoice dispute"})
    assert refused.status_code == 200
    assert refused.json()["status"] == "refused" and refused.json()["closed_at"]
    deliver()  # the worker sends what the request queued
    assert "An open invoice dispute" in smtp_server.wait_for(1)[0].get_payload(decode=True).decode()
    closed = call("POST", f"/requests/{req['id']}/complete", owner, {"outcome": "x"})
    assert closed.status_code == 409 and closed.json()["code"] == "closed"


def test_a_correction_is_completed_with_its_outcome_and_the_client_is_emailed(world, token_for, smtp_server):
    client = make_client(world.org, email="fixed@example.test")
    req = _record(token_for(world.reception), client, kind="rectification")
    owner = token_for(world.owner)
    unverified = call("POST", f"/requests/{req['id']}/complete", owner, {"outcome": "Address corrected"})
    assert unverified.status_code == 409 and unverified.json()["code"] == "not_verified"
    call("POST", f"/requests/{req['id']}/verify", owner, {"method": "known_contact"})
    no_outcome = call("POST", f"/requests/{req['id']}/complete", owner, {})
    assert no_outcome.status_code == 422 and "outcome" in no_outcome.json()["fields"]
    done = call("POST", f"/requests/{req['id']}/complete", owner, {"outcome": "Address corrected"})
    assert done.status_code == 200
    assert done.json()["status"] == "completed" and done.json()["outcome"] == "Address corrected"
    deliver()  # the worker sends what the request queued
    assert smtp_server.wait_for(1)[0]["To"] == "fixed@example.test"


def test_a_copy_over_the_yearly_limit_waits_for_the_owners_decision(world, token_for):
    world.org.full_listings_per_year = 1
    world.org.save()
    client = make_client(world.org, email="often@example.test")
    reception, owner = token_for(world.reception), token_for(world.owner)
    first = _record(reception, client)
    no_decision = call("POST", f"/requests/{first['id']}/decide-limit", owner, {"allow": True})
    assert no_decision.status_code == 409 and no_decision.json()["code"] == "no_decision"
    second = _record(reception, client, kind="copy")
    assert second["limit_decision"] == "pending"
    pending = call("POST", f"/requests/{second['id']}/complete", owner, {})
    assert pending.status_code == 409 and pending.json()["code"] in ("not_verified", "limit_pending")
    allowed = call("POST", f"/requests/{second['id']}/decide-limit", owner, {"allow": True, "reason": "Fine"})
    assert allowed.json()["limit_decision"] == "allowed" and allowed.json()["status"] == "open"
    third = _record(reception, client, kind="copy")
    refused = call("POST", f"/requests/{third['id']}/decide-limit", owner,
                   {"allow": False, "reason": "Third copy this year"}).json()
    assert refused["limit_decision"] == "refused" and refused["status"] == "refused"


# --- exports -------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_export_is_queued_built_by_the_worker_and_downloaded_as_a_zip(world, token_for, settings, tmp_path,
                                                                          smtp_server):
    settings.EXPORT_DIR = tmp_path
    full = make_full_client(world.org, world.practitioner)
    req = DataSubjectRequest.objects.get(client=full.client)
    owner = token_for(world.owner)
    assert call("POST", f"/clients/{full.client.pk}/export", token_for(world.reception), {}).status_code == 403

    unverified = call("POST", f"/clients/{full.client.pk}/export", owner, {"request_id": req.pk})
    assert unverified.status_code == 409 and unverified.json()["code"] == "not_verified"  # nothing before identity
    assert call("POST", f"/requests/{req.pk}/verify", owner, {"method": "document"}).status_code == 200
    queued = call("POST", f"/clients/{full.client.pk}/export", owner, {"request_id": req.pk})
    assert queued.status_code == 202
    export = queued.json()
    assert export["status"] == "queued" and export["request_id"] == req.pk and export["download_url"] is None
    early = call("GET", f"/exports/{export['id']}/download", owner)
    assert early.status_code == 409 and early.json()["code"] == "export_not_ready"

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    ready = call("GET", f"/exports/{export['id']}", owner).json()
    assert ready["status"] == "ready" and ready["progress"] == 100 and ready["expires_at"]
    assert ready["download_url"] == f"/api/v1/exports/{export['id']}/download"
    assert call("GET", f"/exports/{export['id']}", token_for(world.reception)).status_code == 403

    download = call("GET", ready["download_url"].removeprefix("/api/v1"), owner)
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    assert "export.json" in archive.namelist()
    assert json.loads(archive.read("export.json"))["subject_reference"] == str(full.client.subject_ref)
    assert full.name not in download["Content-Disposition"]

    progress = call("GET", f"/requests/{req.pk}", owner).json()
    assert [(e["id"], e["status"]) for e in progress["exports"]] == [(export["id"], "ready")]
    call("POST", f"/requests/{req.pk}/verify", owner, {"method": "document"})
    done = call("POST", f"/requests/{req.pk}/complete", owner, {"outcome": "Copy sent"})
    assert done.status_code == 200 and done.json()["status"] == "completed"
    deliver()  # the worker sends what the request queued
    assert smtp_server.wait_for(1)[0]["To"] == full.email

    DataExport.objects.filter(pk=export["id"]).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = call("GET", f"/exports/{export['id']}/download", owner)
    assert expired.status_code == 410 and expired.json()["code"] == "export_expired"


def test_an_export_for_another_clients_request_is_refused(world, token_for):
    client, other = make_client(world.org), make_client(world.org, first_name="Toinen")
    req = _record(token_for(world.reception), other)
    response = call("POST", f"/clients/{client.pk}/export", token_for(world.owner), {"request_id": req["id"]})
    assert response.status_code == 422 and "request_id" in response.json()["fields"]
    assert not DataExport.objects.filter(client=client).exists()


def test_an_outsider_cannot_export_or_erase_our_client(world, token_for):
    client = make_client(world.org)
    outsider = token_for(world.outsider)
    assert call("POST", f"/clients/{client.pk}/export", outsider, {}).status_code == 404
    assert call("POST", f"/clients/{client.pk}/erase?dry_run=false", outsider).status_code == 404
    client.refresh_from_db()
    assert client.erased_at is None and not DataExport.objects.exists()


# --- erasure -------------------------------------------------------------------------------------------


def test_erasure_is_a_dry_run_unless_asked_and_happens_once(world, token_for):
    full = make_full_client(world.org, world.practitioner)
    client = full.client
    owner = token_for(world.owner)
    for role in ("reception", "practitioner", "accountant"):
        refused = call("POST", f"/clients/{client.pk}/erase?dry_run=false", token_for(world.member(role)))
        assert refused.status_code == 403, role

    plan = call("POST", f"/clients/{client.pk}/erase", owner)
    assert plan.status_code == 200
    body = plan.json()
    assert body["executed"] is False and body["deleted"] > 0 and body["kept"] > 0
    kept = [item for item in body["items"] if item["action"] == "keep"]
    assert kept and all(item["legal_ground"] and item["keep_until"] for item in kept)
    assert full.email not in plan.content.decode() and full.name not in plan.content.decode()
    client.refresh_from_db()
    assert client.erased_at is None and client.email == full.email
    assert call("GET", f"/clients/{client.pk}", owner).status_code == 200

    erased = call("POST", f"/clients/{client.pk}/erase?dry_run=false", owner)
    assert erased.status_code == 200
    assert erased.json()["executed"] is True and erased.json()["deleted"] > 0
    assert call("GET", f"/clients/{client.pk}", owner).status_code == 404
    again = call("POST", f"/clients/{client.pk}/erase?dry_run=false", owner)
    assert again.status_code == 409 and again.json()["code"] == "already_erased"


def test_an_erasure_request_is_completed_after_the_client_is_erased(world, token_for, smtp_server):
    client = make_client(world.org, email="forget.me@example.test")
    req = _record(token_for(world.reception), client, kind="erasure")
    owner = token_for(world.owner)
    call("POST", f"/requests/{req['id']}/verify", owner, {"method": "document"})
    erased = call("POST", f"/clients/{client.pk}/erase?dry_run=false&request_id={req['id']}", owner)
    assert erased.status_code == 200 and erased.json()["executed"] is True
    assert call("GET", f"/requests/{req['id']}", owner).json()["status"] == "open"
    done = call("POST", f"/requests/{req['id']}/complete", owner, {"outcome": "Erased"})
    assert done.status_code == 200 and done.json()["status"] == "completed"
