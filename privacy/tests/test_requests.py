"""Data-subject requests (D7, D8): the one-month deadline, identity first, extensions with reasons told
in time, refusals that name the authority, the yearly limit flagged for a decision, the owners' digest."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from kernel.audit import Actor
from kernel.models import ActorKind
from notify.delivery import deliver
from privacy.exports import request_export
from privacy.models import (
    DataExport,
    ExportStatus,
    IdentityMethod,
    LimitDecision,
    RequestChannel,
    RequestKind,
    RequestStatus,
)
from privacy.requests import (
    add_months,
    open_requests,
    overdue_requests,
    request_complete,
    request_create,
    request_decide_limit,
    request_extend,
    request_refuse,
    request_verify_identity,
    send_owner_digests,
)
from tilli.test import make_client, run_worker

SYSTEM = Actor.system("test")
HEL = ZoneInfo("Europe/Helsinki")


def _at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=HEL)


@pytest.mark.parametrize(("received", "due"), [
    (dt.date(2027, 1, 15), dt.date(2027, 2, 15)),
    (dt.date(2027, 1, 31), dt.date(2027, 2, 28)),
    (dt.date(2028, 1, 31), dt.date(2028, 2, 29)),
    (dt.date(2027, 12, 20), dt.date(2028, 1, 20)),
    (dt.date(2027, 3, 31), dt.date(2027, 4, 30)),
])
def test_one_calendar_month_ends_on_the_same_day_or_the_last_day_of_a_shorter_month(received, due):
    assert add_months(received, 1) == due


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)), st.integers(1, 3))
def test_adding_months_never_overshoots_the_month(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day


@pytest.mark.django_db
def test_a_request_is_due_one_month_after_receipt_in_the_organizations_time_zone(world):
    client = make_client(world.org)
    # 23:30 UTC on 31 January is already 1 February in Helsinki.
    req = request_create(organization=world.org, kind=RequestKind.ACCESS, channel=RequestChannel.LETTER,
                         actor=SYSTEM, client=client, received_at=dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC))
    assert req.due_at == dt.date(2026, 3, 1)
    assert req.status == RequestStatus.OPEN and req.identity_verified_at is None


@pytest.mark.django_db
def test_a_portal_request_is_verified_by_the_sign_in_and_nothing_is_answered_before_verification(world):
    client = make_client(world.org)
    portal = request_create(organization=world.org, kind=RequestKind.ACCESS, channel=RequestChannel.PORTAL,
                            actor=SYSTEM, client=client)
    assert portal.identity_method == IdentityMethod.PORTAL
    letter = request_create(organization=world.org, kind=RequestKind.RESTRICTION, channel=RequestChannel.LETTER,
                            actor=SYSTEM, client=client)
    with pytest.raises(ValidationError) as error:
        request_complete(req=letter, actor=SYSTEM)
    assert error.value.code == "not_verified"
    with pytest.raises(ValidationError):
        request_verify_identity(req=letter, method=IdentityMethod.OTHER, actor=SYSTEM)  # "other" needs a note
    request_verify_identity(req=letter, method=IdentityMethod.DOCUMENT, actor=SYSTEM)
    with pytest.raises(ValidationError) as error:
        request_complete(req=letter, actor=SYSTEM)
    assert error.value.code == "not_done"  # the restriction itself has not been applied


@pytest.mark.django_db
def test_an_access_request_is_complete_only_with_a_ready_export(world, smtp_server):
    client = make_client(world.org, email="asker@example.test", preferred_language="fi")
    req = request_create(organization=world.org, kind=RequestKind.ACCESS, channel=RequestChannel.PORTAL,
                         actor=SYSTEM, client=client)
    with pytest.raises(ValidationError):
        request_complete(req=req, actor=SYSTEM)
    export = request_export(client=client, actor=SYSTEM, request=req)
    DataExport.objects.filter(pk=export.pk).update(status=ExportStatus.READY)
    request_complete(req=req, actor=SYSTEM, outcome="Copy in the portal")
    req.refresh_from_db()
    assert req.status == RequestStatus.COMPLETED and req.closed_at is not None
    assert smtp_server.messages == []  # not sent inside the request: the worker sends it
    run_worker()
    message = smtp_server.wait_for(1)[0]
    assert message["To"] == "asker@example.test"
    with pytest.raises(ValidationError):
        request_refuse(req=req, reasons="late", actor=SYSTEM)  # closed


@pytest.mark.django_db
def test_an_extension_within_the_first_month_tells_the_client_the_reasons(world, smtp_server):
    from notify.models import Message, MessagePurpose

    client = make_client(world.org, email="waiting@example.test")
    received = timezone.now() - dt.timedelta(days=3)
    req = request_create(organization=world.org, kind=RequestKind.ACCESS, channel=RequestChannel.EMAIL, actor=SYSTEM,
                         client=client, received_at=received)
    with pytest.raises(ValidationError):
        request_extend(req=req, months=3, reason="Too many", actor=SYSTEM)
    with pytest.raises(ValidationError):
        request_extend(req=req, months=2, reason="  ", actor=SYSTEM)
    request_extend(req=req, months=2, reason="Records are in the archive in another town", actor=SYSTEM)
    req.refresh_from_db()
    assert req.status == RequestStatus.EXTENDED
    assert req.extended_due_at == add_months(timezone.localtime(received, HEL).date(), 3)
    assert req.extension_notified_at is not None
    assert Message.objects.get(client=client).purpose == MessagePurpose.PRIVACY  # in the outbox, for the worker
    deliver()
    body = smtp_server.wait_for(1)[0].get_payload(decode=True).decode()
    assert "Records are in the archive in another town" in body
    with pytest.raises(ValidationError) as error:
        request_extend(req=req, months=1, reason="Again", actor=SYSTEM)
    assert error.value.code == "already_extended"


@pytest.mark.django_db
def test_no_extension_after_the_first_month_and_none_without_telling_the_client(world):
    client = make_client(world.org)  # no email address
    late = request_create(organization=world.org, kind=RequestKind.ACCESS, channel=RequestChannel.LETTER,
                          actor=SYSTEM, client=client, received_at=timezone.now() - dt.timedelta(days=40))
    with pytest.raises(ValidationError) as error:
        request_extend(req=late, months=1, reason="Busy", actor=SYSTEM)
    assert error.value.code == "too_late"
    fresh = request_create(organization=world.org, kind=RequestKind.ACCESS, channel=RequestChannel.LETTER,
                           actor=SYSTEM, client=client)
    with pytest.raises(ValidationError) as error:
        request_extend(req=fresh, months=1, reason="Busy", actor=SYSTEM)
    assert error.value.code == "not_told"
    request_extend(req=fresh, months=1, reason="Busy", actor=SYSTEM, told_otherwise=True)
    fresh.refresh_from_db()
    assert fresh.status == RequestStatus.EXTENDED


@pytest.mark.django_db
def test_a_refusal_gives_reasons_and_names_the_authority_of_the_organizations_country(world, smtp_server):
    from tenancy.models import Membership

    for org in (world.org, world.other_org):
        client = make_client(org, email=f"refused-{org.country}@example.test")
        req = request_create(organization=org, kind=RequestKind.ERASURE, channel=RequestChannel.EMAIL, actor=SYSTEM,
                             client=client)
        request_refuse(req=req, reasons="An open invoice dispute (Art. 17(3)(e))", actor=SYSTEM)
        assert Membership.objects.filter(organization=org).exists()
    deliver()
    messages = smtp_server.wait_for(2)
    bodies = {m["To"]: m.get_payload(decode=True).decode() for m in messages}
    assert "Tietosuojavaltuutetun" in bodies["refused-fi@example.test"]
    assert "UODO" in bodies["refused-pl@example.test"]
    assert all("open invoice dispute" in b for b in bodies.values())


@pytest.mark.django_db
def test_copies_over_the_yearly_limit_are_flagged_for_a_decision_never_silently_refused(world):
    world.org.full_listings_per_year = 2
    world.org.save()
    client = make_client(world.org)
    for _ in range(2):
        req = request_create(organization=world.org, kind=RequestKind.COPY, channel=RequestChannel.PORTAL,
                             actor=SYSTEM, client=client)
        assert req.limit_decision == LimitDecision.NONE
    third = request_create(organization=world.org, kind=RequestKind.COPY, channel=RequestChannel.PORTAL,
                           actor=SYSTEM, client=client)
    assert third.limit_decision == LimitDecision.PENDING and third.status == RequestStatus.OPEN
    export = request_export(client=client, actor=SYSTEM, request=third)
    DataExport.objects.filter(pk=export.pk).update(status=ExportStatus.READY)
    with pytest.raises(ValidationError) as error:
        request_complete(req=third, actor=SYSTEM)
    assert error.value.code == "limit_pending"
    request_decide_limit(req=third, allow=True, reason="Long-standing client", actor=SYSTEM)
    request_complete(req=third, actor=SYSTEM)
    # A different kind is not a full listing and is never limited.
    other = request_create(organization=world.org, kind=RequestKind.RECTIFICATION, channel=RequestChannel.PORTAL,
                           actor=SYSTEM, client=client)
    assert other.limit_decision == LimitDecision.NONE


@pytest.mark.django_db
def test_the_queue_is_sorted_by_deadline_and_flags_overdue_ones(world):
    client = make_client(world.org)
    now = timezone.now()
    old = request_create(organization=world.org, kind=RequestKind.ACCESS, channel=RequestChannel.LETTER,
                         actor=SYSTEM, client=client, received_at=now - dt.timedelta(days=45))
    new = request_create(organization=world.org, kind=RequestKind.ACCESS, channel=RequestChannel.LETTER,
                         actor=SYSTEM, client=client, received_at=now - dt.timedelta(days=2))
    mid = request_create(organization=world.org, kind=RequestKind.OBJECTION, channel=RequestChannel.LETTER,
                         actor=SYSTEM, client=client, received_at=now - dt.timedelta(days=20))
    assert [r.pk for r in open_requests(world.org)] == [old.pk, mid.pk, new.pk]
    assert [r.pk for r in overdue_requests(world.org)] == [old.pk]
    assert not overdue_requests(world.other_org).exists()


@pytest.mark.django_db
def test_owners_get_a_daily_digest_with_counts_and_no_personal_data(world, smtp_server):
    client = make_client(world.org, first_name="Salainen", last_name="Henkilö", email="secret@example.test")
    request_create(organization=world.org, kind=RequestKind.ERASURE, channel=RequestChannel.LETTER, actor=SYSTEM,
                   client=client, received_at=timezone.now() - dt.timedelta(days=40), details="Salainen asks")
    assert send_owner_digests() == 1
    assert send_owner_digests() == 0  # once a day
    assert smtp_server.messages == []  # queued in the outbox; the worker sends it
    run_worker()
    message = smtp_server.wait_for(1)[0]
    assert message["To"] == world.owner.user.email
    body = message.get_payload(decode=True).decode()
    assert "1" in message["Subject"]
    for secret in ("Salainen", "Henkilö", "secret@example.test"):
        assert secret not in body and secret not in message["Subject"]


@pytest.mark.django_db
def test_only_the_portal_records_a_portal_request_and_staff_cannot_verify_as_the_portal(world):
    client = make_client(world.org)
    for kind in (ActorKind.USER, ActorKind.API):
        staff = Actor(kind=kind, user_id=world.owner.user.pk, role="owner")
        with pytest.raises(ValidationError) as caught:
            request_create(organization=world.org, kind=RequestKind.ACCESS, channel=RequestChannel.PORTAL,
                           actor=staff, client=client)
        assert "channel" in caught.value.message_dict
    from_portal = request_create(organization=world.org, kind=RequestKind.ACCESS, channel=RequestChannel.PORTAL,
                                 actor=Actor(kind=ActorKind.CLIENT), client=client)
    assert from_portal.identity_method == IdentityMethod.PORTAL
    letter = request_create(organization=world.org, kind=RequestKind.ACCESS, channel=RequestChannel.LETTER,
                            actor=SYSTEM, client=client)
    with pytest.raises(ValidationError):
        request_verify_identity(req=letter, method=IdentityMethod.PORTAL, actor=SYSTEM)


@pytest.mark.django_db
@pytest.mark.parametrize(("offset", "accepted"), [
    (dt.timedelta(minutes=2), True), (dt.timedelta(minutes=10), False),
    (-dt.timedelta(days=364), True), (-dt.timedelta(days=366), False)])
def test_a_request_arrived_at_most_a_year_ago_and_not_in_the_future(world, offset, accepted):
    def create():
        return request_create(organization=world.org, kind=RequestKind.ACCESS, channel=RequestChannel.EMAIL,
                              actor=SYSTEM, received_at=timezone.now() + offset)

    if accepted:
        assert create().pk
    else:
        with pytest.raises(ValidationError) as caught:
            create()
        assert "received_at" in caught.value.message_dict
