"""The request queue: who may see it and record a request, how deadlines are flagged."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kernel.models import AuditAction, AuditEvent
from privacy.models import DataSubjectRequest, LimitDecision, RequestStatus
from tilli.test import make_client, run_worker
from web.tests.privacy_helpers import english, make_request, url


def test_reception_records_a_request_about_a_client_found_by_a_post_search(world, client_for):
    anna = make_client(world.org, email="anna@example.test")
    reception = english(client_for(world.reception))
    response = reception.post(url(world, "web:requests"), {"q": "Virtanen", "search": "1", "kind": "access",
                                                           "details": "Asked at the desk"})
    html = response.content.decode()
    assert response.status_code == 200 and f'value="{anna.pk}"' in html and "Asked at the desk" in html
    assert AuditEvent.objects.for_organization(world.org).filter(action=AuditAction.SEARCH).exists()
    received = timezone.localtime().replace(second=0, microsecond=0) - dt.timedelta(days=2)
    response = reception.post(url(world, "web:requests"), {
        "kind": "access", "channel": "in_person", "received_at": received.strftime("%Y-%m-%dT%H:%M"),
        "client": str(anna.pk), "details": "Asked at the desk"})
    req = DataSubjectRequest.objects.for_organization(world.org).get()
    assert response.status_code == 302 and response["Location"] == url(world, "web:request_detail",
                                                                        request_id=req.pk)
    assert req.client == anna and req.channel == "in_person" and req.received_at == received
    assert "Virtanen" not in response["Location"]


def test_htmx_search_returns_only_the_choices(world, client_for):
    make_client(world.org, first_name="Aino", last_name="Virtala")
    response = client_for(world.owner).post(url(world, "web:requests"), {"q": "Virtala", "search": "1"},
                                            HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Aino Virtala" in html and "<html" not in html


def test_bad_input_keeps_what_was_typed_and_says_what_is_wrong(world, client_for):
    future = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = english(client_for(world.reception)).post(url(world, "web:requests"), {
        "kind": "erasure", "channel": "letter", "received_at": future, "details": "Letter dated today"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "The request cannot have arrived in the future." in html and "Letter dated today" in html
    assert not DataSubjectRequest.objects.exists()


def test_the_queue_puts_the_soonest_first_and_flags_overdue_and_over_limit(world, client_for):
    anna = make_client(world.org)
    late = make_request(world, anna, received_at=timezone.now() - dt.timedelta(days=45), details="late one")
    fresh = make_request(world, anna, kind="erasure", details="fresh one")
    late_due = late.due_at
    DataSubjectRequest.objects.filter(pk=fresh.pk).update(limit_decision=LimitDecision.PENDING)
    done = make_request(world, anna, kind="objection")
    DataSubjectRequest.objects.filter(pk=done.pk).update(status=RequestStatus.COMPLETED, closed_at=timezone.now())
    html = english(client_for(world.owner)).get(url(world, "web:requests")).content.decode()
    open_part, closed_part = html.split('id="open-heading"')[1].split("Answered and refused")
    assert open_part.index("Access to the data") < open_part.index("Erasure")
    assert open_part.count('class="overdue"') == 1 and "Overdue" in open_part and "Needs decision" in open_part
    assert late_due.strftime("%-d.%-m.%Y") in open_part or str(late_due.day) in open_part
    assert "Objection to direct marketing" in closed_part and "Objection" not in open_part


def test_roles_without_the_permission_and_outsiders_see_nothing(world, client_for):
    make_request(world, make_client(world.org))
    assert client_for(world.accountant).get(url(world, "web:requests")).status_code == 404
    assert client_for(world.outsider).get(url(world, "web:requests")).status_code == 404
    assert client_for(world.practitioner).get(url(world, "web:requests")).status_code == 200


def test_the_owner_sees_open_and_overdue_counts_on_the_dashboard(world, client_for):
    anna = make_client(world.org)
    make_request(world, anna, received_at=timezone.now() - dt.timedelta(days=45))
    make_request(world, anna)
    html = english(client_for(world.owner)).get(url(world, "web:dashboard")).content.decode()
    assert "Data-subject requests" in html and "1 overdue" in html and url(world, "web:requests") in html
    assert "Data-subject requests" not in english(client_for(world.reception)).get(
        url(world, "web:dashboard")).content.decode()


def test_the_owners_digest_links_to_the_queue(world, smtp_server):
    from privacy.requests import send_owner_digests

    make_request(world, make_client(world.org))
    assert send_owner_digests() >= 1
    run_worker()
    body = smtp_server.wait_for(1)[0].get_payload(decode=True).decode()
    assert url(world, "web:requests") in body


def test_a_receipt_in_1970_or_a_portal_channel_is_refused_in_the_panel_too(world, client_for):
    reception = english(client_for(world.reception))
    response = reception.post(url(world, "web:requests"), {
        "kind": "access", "channel": "letter", "received_at": "1970-01-01T00:00", "details": "Old letter"})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="id_received_at_error"' in html and "Old letter" in html
    portal = reception.post(url(world, "web:requests"), {
        "kind": "access", "channel": "portal", "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    assert portal.status_code == 200 and 'id="id_channel_error"' in portal.content.decode()
    assert not DataSubjectRequest.objects.exists()
