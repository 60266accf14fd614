"""Writing and verifying the audit log.

hash = SHA-256(previous hash || canonical JSON of the row). A changed row breaks its own
hash, a removed or inserted row breaks the sequence or the link to the previous hash,
and a removed tail leaves the chain head pointing past the last row. Appends lock the
organization's chain head inside the caller's transaction, so the audit row commits or
rolls back together with the change it describes.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from json.encoder import encode_basestring
from typing import Any

from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from kernel.models import ActorKind, AuditAction, AuditChainHead, AuditEvent
from tilli.lib.client_ip import client_ip as client_ip  # re-exported: callers take the address from here too

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who did something: a staff member (in a role), a client, or the system."""

    kind: str
    user_id: int | None = None
    label: str = ""
    role: str = ""
    ip: str = ""

    @classmethod
    def system(cls, label: str = "") -> Actor:
        return cls(kind=ActorKind.SYSTEM, label=label)

    @property
    def is_staff(self) -> bool:
        """A staff member in the panel or through the API: never the client, whatever a field they send says."""
        return self.kind in (ActorKind.USER, ActorKind.API)


def actor_for_request(request: HttpRequest, *, kind: str = ActorKind.USER) -> Actor:
    membership = getattr(request, "membership", None)
    user = request.user
    return Actor(
        kind=kind,
        user_id=user.pk if user.is_authenticated else None,
        label=user.get_full_name() or user.email if user.is_authenticated else "",
        role=membership.role if membership else "",
        ip=client_ip(request),
    )


def _canonical(event: AuditEvent) -> bytes:
    return _dumps(_body(event))


def _body(event: AuditEvent) -> dict[str, Any]:
    """The hashed fields of a row, as plain JSON values."""
    return {
        "organization": event.organization_id,
        "seq": event.seq,
        "created_at": event.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_kind": event.actor_kind,
        "actor_user_id": event.actor_user_id,
        "actor_label": event.actor_label,
        "actor_role": event.actor_role,
        "subject_ref": str(event.subject_ref) if event.subject_ref else None,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "changed_fields": list(event.changed_fields),
        "detail": event.detail,
        "ip": event.ip,
    }


CANONICAL_KEYS = ("action", "actor_kind", "actor_label", "actor_role", "actor_user_id", "changed_fields",
                  "created_at", "detail", "ip", "object_id", "object_type", "organization", "seq", "subject_ref")


def _dumps(body: Any) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + _canonical(event)).hexdigest()


def _event(organization: models.Model, actor: Actor, *, seq: int, created_at, prev_hash: str, action: str,
           object_type: str, object_id: str, subject_ref: uuid.UUID | None, changed_fields: Iterable[str],
           detail: dict[str, Any] | None) -> AuditEvent:
    """One unsaved event row; the caller computes its hash and saves it under the chain-head lock."""
    return AuditEvent(organization=organization, seq=seq, created_at=created_at, actor_kind=actor.kind,
                      actor_user_id=actor.user_id, actor_label=actor.label[:200], actor_role=actor.role,
                      subject_ref=subject_ref, action=action, object_type=object_type, object_id=object_id,
                      changed_fields=sorted(changed_fields), detail=detail or {}, ip=actor.ip, prev_hash=prev_hash)


def record(
    *,
    organization: models.Model,
    actor: Actor,
    action: AuditAction | str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    subject_ref: uuid.UUID | None = None,
    changed_fields: Iterable[str] = (),
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the organization's chain, in the caller's transaction.

    `changed_fields` names fields, never values; `detail` holds small non-personal facts
    (a count, a role name), never a value of a special-category field.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    # No savepoint of its own: a failure here must undo the caller's change too (the chain records every
    # write), and a write's two round trips for SAVEPOINT and RELEASE are saved.
    with transaction.atomic(savepoint=False):
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(organization=organization)
        event = _event(organization, actor, seq=head.seq + 1, created_at=timezone.now(), prev_hash=head.hash,
                       action=action, object_type=object_type, object_id=object_id, subject_ref=subject_ref,
                       changed_fields=changed_fields, detail=detail)
        event.hash = compute_hash(head.hash, event)
        if connection.vendor == "postgresql":
            _append_and_move_head(event, head.pk)
        else:
            event.save()
            AuditChainHead.objects.filter(pk=head.pk).update(seq=event.seq, hash=event.hash,
                                                             updated_at=event.created_at)
    return event


def _append_and_move_head(event: AuditEvent, head_pk: int) -> None:
    """Insert the event and move the chain head in one statement (PostgreSQL's data-modifying WITH).

    Every write appends one event, so the round trip saved here is saved on every booking, sale and edit;
    the head row is already locked by the caller, so the two changes are as atomic as before.
    """
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    head_table = connection.ops.quote_name(AuditChainHead._meta.db_table)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    pk_column = connection.ops.quote_name(AuditEvent._meta.pk.column)
    # Names from the models' own metadata, quoted; every value is a parameter.
    sql = (f"WITH moved AS (UPDATE {head_table} SET seq = %s, hash = %s, updated_at = %s WHERE id = %s) "  # noqa: S608
           f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {pk_column}")
    values = [f.get_db_prep_save(f.pre_save(event, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [event.seq, event.hash, event.created_at, head_pk, *values])
        event.pk = cursor.fetchone()[0]
    event._state.adding = False
    event._state.db = connection.alias


def record_many(*, organization: models.Model, actor: Actor, action: AuditAction | str, object_type: str,
                subjects: Iterable[tuple[str, uuid.UUID | None]], detail: dict[str, Any] | None = None,
                changed_fields: Iterable[str] = ()) -> int:
    """Append one event per (object id, subject ref) in a single chain-head lock and one insert.

    For exports, imports and the calendar, which touch hundreds or thousands of clients at once:
    each client's own access log still shows the event. The rows differ only in their sequence,
    object, subject and hashes, so the shared columns are converted for the database once and the
    rows go in as plain parameter tuples (no model instance per row); the hash is the same
    canonical form `verify` recomputes from the stored row.
    """
    subjects = list(subjects)
    if not subjects:
        return 0
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    varying = {"seq", "object_id", "subject_ref", "prev_hash", "hash"}
    subject_field = AuditEvent._meta.get_field("subject_ref")
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # Names from the model's own metadata, quoted; every value is a parameter.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(organization=organization)
        seq, prev_hash, now = head.seq, head.hash, timezone.now()
        shared = _event(organization, actor, seq=seq, created_at=now, prev_hash=prev_hash, action=action,
                        object_type=object_type, object_id="", subject_ref=None, changed_fields=changed_fields,
                        detail=detail)
        # The canonical form is sorted keys joined by commas: the shared keys are encoded once,
        # each row encodes only its sequence, object and subject between them.
        body = {key: _dumps(value).decode() for key, value in _body(shared).items()}
        values = {f.attname: None if f.attname in varying else f.get_db_prep_save(getattr(shared, f.attname),
                                                                                   connection)
                  for f in fields}
        rows = []
        for object_id, subject_ref in subjects:
            seq += 1
            body.update(seq=str(seq), object_id=encode_basestring(str(object_id)),
                        subject_ref=f'"{subject_ref}"' if subject_ref else "null")
            canonical = "{" + ",".join(f'"{key}":{body[key]}' for key in CANONICAL_KEYS) + "}"
            digest = hashlib.sha256(prev_hash.encode("ascii") + canonical.encode()).hexdigest()
            values.update(seq=seq, object_id=str(object_id), prev_hash=prev_hash, hash=digest,
                          subject_ref=subject_field.get_db_prep_save(subject_ref, connection))
            rows.append([values[f.attname] for f in fields])
            prev_hash = digest
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 1000):
                cursor.executemany(sql, rows[start:start + 1000])
        AuditChainHead.objects.filter(pk=head.pk).update(seq=seq, hash=prev_hash, updated_at=now)
    return len(rows)


@dataclass
class Verification:
    organization: models.Model
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    head_seq: int = 0
    head_hash: str = GENESIS_HASH

    @property
    def ok(self) -> bool:
        return not self.problems


def _rows(organization: models.Model) -> Iterator[AuditEvent]:
    return AuditEvent.objects.for_organization(organization).order_by("seq").iterator(chunk_size=2000)


def verify(organization: models.Model) -> Verification:
    """Walk the organization's chain and report every break, by sequence number only."""
    result = Verification(organization=organization)
    expected_seq, prev_hash = 1, GENESIS_HASH
    for event in _rows(organization):
        result.checked += 1
        if event.seq != expected_seq:
            result.problems.append(f"sequence jumps from {expected_seq - 1} to {event.seq}: rows removed")
        if event.prev_hash != prev_hash:
            result.problems.append(f"row {event.seq} does not link to the row before it: rows removed or inserted")
        if compute_hash(event.prev_hash, event) != event.hash:
            result.problems.append(f"row {event.seq} was changed after it was written")
        expected_seq, prev_hash = event.seq + 1, event.hash
    head = AuditChainHead.objects.filter(organization=organization).first()
    if head is not None:
        result.head_seq, result.head_hash = head.seq, head.hash
        if head.seq != expected_seq - 1 or head.hash != prev_hash:
            result.problems.append(f"the chain head points at row {head.seq}, the last row is {expected_seq - 1}: "
                                   "rows removed from the end")
    elif result.checked:
        result.problems.append("the chain head is missing")
    return result
