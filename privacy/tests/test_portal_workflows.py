"""The client's own copy and erasure in the portal (privacy.portal): each one transaction, all or nothing."""

from __future__ import annotations

import pytest

from clients.models import Client
from kernel.audit import Actor
from privacy.models import DataExport, DataSubjectRequest, RequestKind, RequestStatus
from privacy.portal import portal_copy_request, portal_erase_account
from tilli.errors import Conflict
from tilli.test import make_client


@pytest.fixture
def anna(world):
    return make_client(world.org, email="anna@example.test")


def _actor(client) -> Actor:
    return Actor(kind="client", label=str(client.subject_ref))


def test_a_second_copy_while_the_first_is_built_is_refused_and_makes_no_request(anna):
    req = portal_copy_request(client=anna, actor=_actor(anna))
    assert DataExport.objects.get(request=req).requested_by_client
    with pytest.raises(Conflict) as refused:
        portal_copy_request(client=anna, actor=_actor(anna))
    assert refused.value.code == "copy_in_progress"
    assert DataSubjectRequest.objects.filter(client=anna, kind=RequestKind.COPY).count() == 1


def test_deleting_the_account_erases_and_answers_the_request(anna):
    req = portal_erase_account(client=anna, actor=_actor(anna))
    req.refresh_from_db()
    assert req.status == RequestStatus.COMPLETED and req.kind == RequestKind.ERASURE
    assert Client.objects.get(pk=anna.pk).erased_at is not None


def test_an_erasure_that_fails_to_be_answered_leaves_the_client_and_no_request(anna, monkeypatch):
    def refuse(**kwargs):
        raise RuntimeError("answering failed")

    monkeypatch.setattr("privacy.portal.request_complete", refuse)
    with pytest.raises(RuntimeError):
        portal_erase_account(client=anna, actor=_actor(anna))
    assert Client.objects.get(pk=anna.pk).erased_at is None
    assert not DataSubjectRequest.objects.filter(client=anna).exists()
