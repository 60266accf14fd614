"""The audit log is a hash chain per organization: every kind of tampering is detected."""

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from kernel.audit import Actor, record, verify
from kernel.models import AuditAction, AuditChainHead, AuditEvent

ACTOR = Actor(kind="user", user_id=7, label="Test Person", role="owner", ip="192.0.2.10")


def _write(org, n: int) -> list[AuditEvent]:
    return [record(organization=org, actor=ACTOR, action=AuditAction.VIEW, object_type="clients.client",
                   object_id=str(i), changed_fields=["email"]) for i in range(n)]


def _raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _drop_update_trigger() -> None:
    """What an attacker with database access would do first; rolled back with the test."""
    if connection.vendor == "postgresql":
        _raw("DROP TRIGGER privacy_auditevent_no_update ON privacy_auditevent")
    else:
        _raw("DROP TRIGGER privacy_auditevent_no_update")


def test_events_form_a_contiguous_linked_chain_per_organization(world):
    before = verify(world.org).checked
    events = _write(world.org, 5)
    assert [e.seq for e in events] == list(range(before + 1, before + 6))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    result = verify(world.org)
    assert result.ok, result.problems
    assert result.checked == before + 5
    assert AuditChainHead.objects.get(organization=world.org).hash == events[-1].hash
    # The other organization's chain is separate and untouched.
    assert verify(world.other_org).ok
    assert not AuditEvent.objects.filter(organization=world.other_org, object_type="clients.client").exists()


def test_a_changed_row_is_detected(world):
    events = _write(world.org, 3)
    _drop_update_trigger()
    _raw("UPDATE privacy_auditevent SET ip = %s WHERE id = %s", ["203.0.113.9", events[1].pk])
    result = verify(world.org)
    assert not result.ok
    assert f"row {events[1].seq} was changed after it was written" in result.problems


def test_a_removed_row_is_detected(world):
    events = _write(world.org, 3)
    _raw("DELETE FROM privacy_auditevent WHERE id = %s", [events[1].pk])
    problems = verify(world.org).problems
    assert any("rows removed" in p for p in problems)


def test_a_removed_tail_is_detected_through_the_chain_head(world):
    events = _write(world.org, 3)
    _raw("DELETE FROM privacy_auditevent WHERE id = %s", [events[-1].pk])
    problems = verify(world.org).problems
    assert any("the chain head points at row" in p for p in problems)


def test_an_inserted_row_is_detected(world):
    events = _write(world.org, 2)
    _drop_update_trigger()
    # Make room after the first event by shifting the later rows, then forge a row there.
    _raw("UPDATE privacy_auditevent SET seq = seq + 1 WHERE organization_id = %s AND seq > %s",
         [world.org.pk, events[0].seq])
    forged = AuditEvent(organization=world.org, seq=events[0].seq + 1, created_at=events[0].created_at,
                        actor_kind="user", action="view", object_type="clients.client", object_id="x",
                        prev_hash=events[0].hash, hash="f" * 64)
    forged.save()
    assert not verify(world.org).ok


def test_the_database_refuses_to_update_an_audit_row(world):
    event = _write(world.org, 1)[0]
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        _raw("UPDATE privacy_auditevent SET action = 'delete' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "view"


def test_the_orm_refuses_updates_and_deletes(world):
    event = _write(world.org, 1)[0]
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="delete")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_an_audit_row_rolls_back_with_the_change_it_describes(world):
    before = AuditEvent.objects.for_organization(world.org).count()
    with pytest.raises(IntegrityError), transaction.atomic():
        _write(world.org, 1)
        raise IntegrityError("the change failed")
    assert AuditEvent.objects.for_organization(world.org).count() == before
    assert verify(world.org).ok


def test_the_sequence_number_is_unique_per_organization(world):
    event = _write(world.org, 1)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent(organization=world.org, seq=event.seq, created_at=event.created_at, actor_kind="system",
                   action="view", object_type="x", prev_hash="0" * 64, hash="0" * 64).save()


def test_verify_audit_command_reports_ok_and_fails_on_tampering(world, capsys):
    _write(world.org, 2)
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert f"{world.org.slug}: OK" in out and f"{world.other_org.slug}: OK" in out
    _raw("DELETE FROM privacy_auditevent WHERE organization_id = %s AND seq = 1", [world.org.pk])
    with pytest.raises(CommandError, match="tampered"):
        call_command("verify_audit")
    out = capsys.readouterr().out
    assert f"{world.org.slug}: BROKEN" in out
    assert f"{world.other_org.slug}: OK" in out


def test_many_events_written_at_once_keep_the_chain_intact(world):
    import uuid

    from kernel.audit import record_many

    refs = [uuid.uuid4() for _ in range(50)]
    _write(world.org, 1)
    assert record_many(organization=world.org, actor=ACTOR, action=AuditAction.EXPORT,
                       object_type="clients.client", subjects=[(i, ref) for i, ref in enumerate(refs)]) == 50
    _write(world.org, 1)
    assert verify(world.org).ok
    assert AuditEvent.objects.for_organization(world.org).filter(action="export", subject_ref=refs[7]).count() == 1


def test_many_events_hash_exactly_as_verify_recomputes_them_whatever_their_text(world):
    """record_many builds the canonical form from pre-encoded parts; verify rebuilds it from the stored row."""
    import uuid

    from kernel.audit import compute_hash, record_many

    actor = Actor(kind="user", user_id=9, label='Åsa "Ö" Łukasz\\ 🙂', role="reception", ip="2001:db8::1")
    subjects = [(f'id "{n}" ä\\', uuid.uuid4() if n % 2 else None) for n in range(5)]
    record_many(organization=world.org, actor=actor, action=AuditAction.VIEW, object_type="booking.appointment",
                subjects=subjects, detail={"via": "calendar", "z": [1, "å"], "a": None}, changed_fields=["b", "a"])
    rows = list(AuditEvent.objects.for_organization(world.org).order_by("-seq")[:5])[::-1]
    assert [r.object_id for r in rows] == [s[0] for s in subjects]
    assert [r.subject_ref for r in rows] == [s[1] for s in subjects]
    assert all(r.hash == compute_hash(r.prev_hash, r) for r in rows)
    assert verify(world.org).ok
