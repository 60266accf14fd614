"""A data-subject request's status follows REQUEST_TRANSITIONS, and every change leaves a log row."""

from __future__ import annotations

import pytest

from kernel.audit import Actor
from privacy.errors import RequestError
from privacy.models import REQUEST_TRANSITIONS, DataSubjectRequest, RequestChannel, RequestKind, RequestStatus
from privacy.requests import request_create, request_extend, request_refuse, request_transition
from tilli.errors import Conflict
from tilli.test import make_client

SYSTEM = Actor.system("test")


def _request(world, **client_data) -> DataSubjectRequest:
    client = make_client(world.org, email="asker@example.test", **client_data)
    return request_create(organization=world.org, kind=RequestKind.ERASURE, channel=RequestChannel.EMAIL,
                          actor=SYSTEM, client=client)


def _log(req: DataSubjectRequest) -> list[tuple[str, str, str]]:
    return list(req.transitions.order_by("pk").values_list("from_status", "to_status", "actor_kind"))


def test_the_map_closes_answered_and_refused_requests_for_good():
    assert REQUEST_TRANSITIONS[RequestStatus.COMPLETED] == REQUEST_TRANSITIONS[RequestStatus.REFUSED] == frozenset()
    assert RequestStatus.OPEN not in REQUEST_TRANSITIONS[RequestStatus.EXTENDED]
    assert set(REQUEST_TRANSITIONS) == set(RequestStatus)


@pytest.mark.django_db
def test_each_allowed_change_of_status_is_logged_with_who_made_it(world):
    req = _request(world)
    staff = Actor(kind="user", user_id=world.owner.user_id)
    request_extend(req=req, months=1, reason="Archived records", actor=staff)
    request_refuse(req=req, reasons="An open dispute", actor=SYSTEM)
    req.refresh_from_db()
    assert req.status == RequestStatus.REFUSED
    assert _log(req) == [("", "open", "system"), ("open", "extended", "user"), ("extended", "refused", "system")]
    assert req.transitions.get(to_status="extended").actor_user_id == world.owner.user_id


@pytest.mark.django_db
def test_a_forbidden_change_raises_a_conflict_and_changes_nothing(world):
    req = _request(world)
    request_refuse(req=req, reasons="An open dispute", actor=SYSTEM)
    before = _log(req)
    for target in (RequestStatus.OPEN, RequestStatus.EXTENDED, RequestStatus.COMPLETED):
        with pytest.raises(Conflict) as error:
            request_transition(req=req, to_status=target, actor=SYSTEM, fields=["outcome"])
        assert error.value.code == RequestError.CLOSED
    opened = _request(world)
    opened.outcome = "never saved"
    with pytest.raises(Conflict) as error:
        request_transition(req=opened, to_status=RequestStatus.OPEN, actor=SYSTEM, fields=["outcome"])
    assert error.value.code == RequestError.WRONG_STATE
    stored = DataSubjectRequest.objects.get(pk=opened.pk)
    assert stored.status == RequestStatus.OPEN and stored.outcome == ""
    assert _log(req) == before and _log(opened) == [("", "open", "system")]


@pytest.mark.django_db
def test_a_stale_copy_cannot_close_a_request_someone_else_just_closed(world):
    req = _request(world)
    stale = DataSubjectRequest.objects.get(pk=req.pk)
    request_refuse(req=req, reasons="An open dispute", actor=SYSTEM)
    with pytest.raises(Conflict):
        request_refuse(req=stale, reasons="Another reason", actor=SYSTEM)
    req.refresh_from_db()
    assert req.refusal_reason == "An open dispute" and req.transitions.filter(to_status="refused").count() == 1
