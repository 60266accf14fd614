"""One request's page: reception sees it but cannot answer; the owner takes each step through
the privacy services, and their errors come back on the form with the input kept."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from clients.models import Client
from kernel.models import AuditAction, AuditEvent
from notify.delivery import deliver
from privacy.models import DataSubjectRequest, LimitDecision, RequestStatus
from privacy.requests import request_verify_identity
from tilli.test import make_client
from web.tests.privacy_helpers import SYSTEM, english, make_request, reauthenticate, url


def _post(member, world, req, action, **data):
    return member.post(url(world, "web:request_detail", request_id=req.pk), {"action": action, **data})


def test_reception_sees_the_request_but_cannot_answer_it(world, client_for):
    req = make_request(world, make_client(world.org), details="Wants everything")
    reception = english(client_for(world.reception))
    response = reception.get(url(world, "web:request_detail", request_id=req.pk))
    html = response.content.decode()
    assert response.status_code == 200 and "Wants everything" in html and "Complete the request" not in html
    assert _post(reception, world, req, "complete", **{"complete-outcome": "x"}).status_code == 404
    assert _post(reception, world, req, "verify", **{"verify-method": "document"}).status_code == 404
    assert client_for(world.accountant).get(url(world, "web:request_detail", request_id=req.pk)).status_code == 404
    req.refresh_from_db()
    assert req.status == RequestStatus.OPEN and req.identity_verified_at is None


def test_opening_a_request_is_an_audited_read_of_the_client(world, client_for):
    anna = make_client(world.org)
    req = make_request(world, anna)
    client_for(world.owner).get(url(world, "web:request_detail", request_id=req.pk))
    assert AuditEvent.objects.for_organization(world.org).filter(
        action=AuditAction.VIEW, subject_ref=anna.subject_ref, object_type="privacy.datasubjectrequest").exists()


def test_owner_links_the_client_of_a_letter_then_verifies_identity(world, client_for):
    anna = make_client(world.org, email="anna@example.test")
    req = make_request(world, None, channel="letter")
    owner = english(client_for(world.owner))
    response = _post(owner, world, req, "verify", **{"verify-method": "document"})
    assert "First choose which client the request is about." in response.content.decode()
    response = _post(owner, world, req, "link", q="Virtanen", search="1")
    assert f'value="{anna.pk}"' in response.content.decode()
    response = _post(owner, world, req, "link", client=str(anna.pk))
    assert response.status_code == 302
    response = _post(owner, world, req, "verify", **{"verify-method": "other", "verify-note": ""})
    assert "Describe how the identity was verified." in response.content.decode()
    response = _post(owner, world, req, "verify", **{"verify-method": "document", "verify-note": "Passport"})
    req.refresh_from_db()
    assert response.status_code == 302 and req.client == anna and req.identity_method == "document"


def test_extension_emails_the_client_and_keeps_reasons_on_error(world, client_for, smtp_server):
    anna = make_client(world.org, email="anna@example.test", preferred_language="en")
    req = make_request(world, anna)
    owner = english(client_for(world.owner))
    response = _post(owner, world, req, "extend", **{"extend-months": "2", "extend-reason": ""})
    assert "Give the reasons; the client will be told them." in response.content.decode()
    response = _post(owner, world, req, "extend", **{"extend-months": "2", "extend-reason": "Many records"})
    req.refresh_from_db()
    assert response.status_code == 302 and req.status == RequestStatus.EXTENDED and req.extended_due_at
    deliver()  # the worker sends what the request queued
    message = smtp_server.wait_for(1)[0]
    assert message["To"] == "anna@example.test" and "Many records" in message.get_payload(decode=True).decode()


def test_extension_without_email_needs_the_told_otherwise_box(world, client_for):
    req = make_request(world, make_client(world.org))
    owner = english(client_for(world.owner))
    response = _post(owner, world, req, "extend", **{"extend-months": "1", "extend-reason": "Backlog"})
    html = response.content.decode()
    assert "Tell them the reasons by letter" in html and "Backlog" in html
    req.refresh_from_db()
    assert req.extended_due_at is None
    _post(owner, world, req, "extend", **{"extend-months": "1", "extend-reason": "Backlog",
                                         "extend-told_otherwise": "on"})
    req.refresh_from_db()
    assert req.extended_due_at is not None


def test_refusal_emails_the_reasons_and_closes_the_request(world, client_for, smtp_server):
    req = make_request(world, make_client(world.org, email="anna@example.test"))
    owner = english(client_for(world.owner))
    response = _post(owner, world, req, "refuse", **{"refuse-reasons": "Fourth identical request this month"})
    req.refresh_from_db()
    assert response.status_code == 302 and req.status == RequestStatus.REFUSED
    deliver()  # the worker sends what the request queued
    assert "Fourth identical" in smtp_server.wait_for(1)[0].get_payload(decode=True).decode()
    response = _post(owner, world, req, "complete")
    assert "This request has already been closed." in response.content.decode()


def test_completing_needs_identity_and_the_work_done_then_emails_the_client(world, client_for, smtp_server):
    anna = make_client(world.org, email="anna@example.test")
    req = make_request(world, anna, kind="objection")
    owner = english(client_for(world.owner))
    response = _post(owner, world, req, "complete", **{"complete-outcome": "Done"})
    assert "Verify the client&#x27;s identity before answering." in response.content.decode()
    response = _post(owner, world, req, "object")
    assert "Verify the client&#x27;s identity first." in response.content.decode()
    request_verify_identity(req=req, method="document", actor=SYSTEM)
    response = _post(owner, world, req, "complete", **{"complete-outcome": "Done"})
    assert "What the client asked for has not been done yet." in response.content.decode()
    assert _post(owner, world, req, "object").status_code == 302
    anna.refresh_from_db()
    assert anna.marketing_objection_at is not None
    assert _post(owner, world, req, "complete", **{"complete-outcome": "Done"}).status_code == 302
    req.refresh_from_db()
    assert req.status == RequestStatus.COMPLETED
    deliver()  # the worker sends what the request queued
    assert smtp_server.wait_for(1)[0]["To"] == "anna@example.test"


def test_restriction_request_restricts_the_client(world, client_for):
    anna = make_client(world.org)
    req = make_request(world, anna, kind="restriction")
    request_verify_identity(req=req, method="document", actor=SYSTEM)
    owner = english(client_for(world.owner))
    response = _post(owner, world, req, "restrict", **{"restrict-reason": ""})
    assert "Say why processing is restricted" in response.content.decode()
    _post(owner, world, req, "restrict", **{"restrict-reason": "Contests the phone number"})
    anna.refresh_from_db()
    assert anna.restricted_at is not None and anna.restriction_reason == "Contests the phone number"


def test_over_the_limit_needs_a_decision(world, client_for):
    req = make_request(world, make_client(world.org))
    DataSubjectRequest.objects.filter(pk=req.pk).update(limit_decision=LimitDecision.PENDING)
    owner = english(client_for(world.owner))
    html = owner.get(url(world, "web:request_detail", request_id=req.pk)).content.decode()
    assert "Needs decision" in html and "Over the yearly limit: decide" in html
    assert _post(owner, world, req, "limit", **{"limit-allow": "1", "limit-reason": ""}).status_code == 302
    req.refresh_from_db()
    assert req.limit_decision == LimitDecision.ALLOWED and req.is_open


def test_erasure_request_dry_run_then_erase_then_complete(world, client_for):
    anna = make_client(world.org, email="anna@example.test")
    req = make_request(world, anna, kind="erasure")
    owner = english(client_for(world.owner))
    erase_url = url(world, "web:request_erase", request_id=req.pk)
    response = owner.get(erase_url)
    assert response["Location"] == url(world, "web:request_detail", request_id=req.pk)  # identity not verified
    request_verify_identity(req=req, method="document", actor=SYSTEM)
    response = owner.get(erase_url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/?next=")
    reauthenticate(owner)
    html = owner.get(erase_url).content.decode()
    assert "Nothing has been erased yet" in html and "Anonymised" in html
    assert Client.objects.for_organization(world.org).filter(pk=anna.pk).exists()
    response = owner.post(erase_url)
    assert response.status_code == 302 and response["Location"] == url(world, "web:request_detail",
                                                                        request_id=req.pk)
    assert owner.get(url(world, "web:client_detail", client_id=anna.pk)).status_code == 404
    req.refresh_from_db()
    assert req.client is None and req.subject_ref == anna.subject_ref
    assert _post(owner, world, req, "complete").status_code == 302


def test_old_requests_are_in_the_closed_list(world, client_for):
    req = make_request(world, make_client(world.org), received_at=timezone.now() - dt.timedelta(days=3))
    DataSubjectRequest.objects.filter(pk=req.pk).update(status=RequestStatus.REFUSED, closed_at=timezone.now())
    html = english(client_for(world.owner)).get(url(world, "web:requests")).content.decode()
    assert "No open requests." in html and "Refused" in html


def test_export_is_disabled_until_identity_is_verified_and_a_refused_action_says_so_at_the_top(world, client_for):
    anna = make_client(world.org, email="anna@example.test")
    req = make_request(world, anna, kind="access")
    owner = english(client_for(world.owner))
    page = owner.get(url(world, "web:request_detail", request_id=req.pk)).content.decode()
    assert 'disabled aria-describedby="export-why"' in page and "First verify the client" in page

    reauthenticate(owner)
    html = _post(owner, world, req, "export").content.decode()
    top = html.index('id="action-errors"')
    assert top < html.index('id="deadline-heading"') and html.index("Verify the client&#x27;s identity first.") > top
    assert 'href="#step-do"' in html

    request_verify_identity(req=req, method="document", actor=SYSTEM)
    page = owner.get(url(world, "web:request_detail", request_id=req.pk)).content.decode()
    assert 'aria-describedby="export-why"' not in page
