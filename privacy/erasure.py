"""Erasure (GDPR Art. 17), planned and carried out from the registry.

For each model whose rows lead to the client, the registry says what erasure does:
the link's rule decides the row (DELETE removes it, ANONYMISE clears it and cuts the
link), and a field kept by law (KEEP_RESTRICTED) keeps the row, restricted, until its
statutory period ends; everything else in such a row is cleared. The client's own row
becomes a tombstone holding only the pseudonymous reference, so the audit trail and the
kept accounting records still hang together without naming anyone.

The dry run and the real run are the same walk; the real one happens in one transaction
and is written to the erasure ledger (a table and a file outside the database) so that
`manage.py replay_erasures` can erase again after an older backup is restored.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.events import ClientErased
from kernel.audit import Actor, record
from kernel.events import publish
from kernel.models import AuditAction
from kernel.registry import Erasure, Registration
from kernel.subjects import client_registrations, rows_of
from privacy.errors import ErasureError
from privacy.models import DataSubjectRequest, ErasureRecord
from tilli.errors import Conflict

logger = logging.getLogger(__name__)

DELETE, ANONYMISE, KEEP = "delete", "anonymise", "keep"


@dataclass
class PlanItem:
    """What erasure does to one model's rows of the client (rows kept share an until-date)."""

    label: str
    name: str
    action: str
    count: int
    fields: list[str] = field(default_factory=list)
    keep_until: dt.date | None = None
    legal_ground: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.label, "name": self.name, "action": self.action, "count": self.count,
                "fields": self.fields, "keep_until": self.keep_until.isoformat() if self.keep_until else None,
                "legal_ground": self.legal_ground}


@dataclass
class ErasurePlan:
    items: list[PlanItem]
    executed: bool = False

    def count(self, action: str) -> int:
        return sum(i.count for i in self.items if i.action == action)

    def summary(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for item in self.items:
            out.setdefault(item.label, {})[item.action] = out.get(item.label, {}).get(item.action, 0) + item.count
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"executed": self.executed, "deleted": self.count(DELETE), "anonymised": self.count(ANONYMISE),
                "kept": self.count(KEEP), "items": [i.as_dict() for i in self.items]}


def cleared_value(model_field: models.Field, now: dt.datetime) -> Any:
    """The value a field takes when its content is erased."""
    if model_field.null:
        return None
    if isinstance(model_field, models.DateTimeField):
        return now
    if isinstance(model_field, models.DateField):
        return now.date()
    if model_field.has_default():
        return model_field.get_default()
    if isinstance(model_field, models.CharField | models.TextField):
        return ""
    raise ImproperlyConfigured(f"{model_field.model._meta.label}.{model_field.name} cannot be cleared on erasure")


def _since_day(row: models.Model, reg: Registration) -> dt.date | None:
    value = None
    if reg.kept_since:  # a field of the row, or a path through its parent ("sale__completed_at")
        value = row
        for part in reg.kept_since.split("__"):
            value = getattr(value, part)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, timezone.get_fixed_timezone(0)).date()
    return value


def _keep_until(reg: Registration, row: models.Model, organization, today: dt.date) -> tuple[bool, dt.date | None, str]:
    """Whether a law keeps this row now, until when (None: while the organization uses Tilli), and why."""
    keeping, until, ground = False, None, ""
    for pf in reg.fields.values():
        if pf.erasure != Erasure.KEEP_RESTRICTED or (pf.keep_if and not getattr(organization, pf.keep_if)):
            continue
        retention = pf.retention
        has_period = retention.years_after_year_end is not None or retention.period_days() is not None
        if has_period:
            since = _since_day(row, reg)
            field_until = retention.keep_until(since, organization.country) if since else None
            if field_until is None or field_until < today:
                continue
            until = field_until if until is None else max(until, field_until)
        keeping, ground = True, pf.ground_for(organization.country)
    return keeping, until, ground


def _kept_names(reg: Registration, organization) -> set[str]:
    return {n for n, pf in reg.fields.items()
            if pf.erasure == Erasure.KEEP_RESTRICTED and not (pf.keep_if and not getattr(organization, pf.keep_if))}


def _cleared(reg: Registration, names, now: dt.datetime) -> dict[str, Any]:
    meta = reg.model._meta
    return {n: cleared_value(meta.get_field(n), now) for n in names if not meta.get_field(n).many_to_many}


def _link_rule(reg: Registration) -> str:
    """What happens to a row no law keeps: ANONYMISE on the link clears the row and cuts the link;
    otherwise the row is deleted (or goes with its parent row, e.g. a booking's state log)."""
    link = reg.link_field
    if link in reg.fields and reg.fields[link].erasure == Erasure.ANONYMISE:
        return ANONYMISE
    return DELETE


def _walk_model(reg: Registration, client, organization, now: dt.datetime, execute: bool) -> list[PlanItem]:
    name = str(reg.model._meta.verbose_name_plural)
    rows = rows_of(reg, client)
    if reg.subject_path == "self":
        kept = _kept_names(reg, organization)
        cleared = [n for n in reg.fields if n not in kept]
        if execute:
            reg.model._default_manager.filter(pk=client.pk).update(**_cleared(reg, cleared, now), erased_at=now)
        return [PlanItem(reg.label, name, ANONYMISE, 1, sorted(cleared))]
    link = reg.link_field
    has_keep = any(pf.erasure == Erasure.KEEP_RESTRICTED for pf in reg.fields.values())
    if has_keep:
        return _walk_kept(reg, rows, organization, now, execute, name)
    rule = _link_rule(reg)
    if rule == DELETE:
        count = rows.count()
        if execute and count and link in reg.fields:
            rows.delete()  # rows that belong to a parent row go with it (cascade)
        return [PlanItem(reg.label, name, DELETE, count)] if count else []
    names = [n for n, pf in reg.fields.items() if pf.erasure != Erasure.KEEP_RESTRICTED]
    count = rows.count()
    if execute and count:
        reg.model._default_manager.filter(pk__in=list(rows.values_list("pk", flat=True))).update(
            **_cleared(reg, names, now))
    return [PlanItem(reg.label, name, ANONYMISE, count, sorted(names))] if count else []


def _walk_kept(reg, rows, organization, now, execute, name) -> list[PlanItem]:
    today = timezone.localdate(now)
    kept_names = _kept_names(reg, organization)
    cleared_names = [n for n in reg.fields if n not in kept_names]
    groups: dict[tuple[str, dt.date | None, str], list[int]] = {}
    for row in rows:
        keeping, until, ground = _keep_until(reg, row, organization, today)
        if keeping:
            groups.setdefault((KEEP, until, ground), []).append(row.pk)
        else:
            groups.setdefault((_link_rule(reg), None, ""), []).append(row.pk)
    items = []
    manager = reg.model._default_manager
    has_until = any(f.name == "restricted_until" for f in reg.model._meta.concrete_fields)
    for (action, until, ground), pks in sorted(groups.items(), key=lambda g: (g[0][0], str(g[0][1]))):
        if execute:
            target = manager.filter(pk__in=pks)
            if action == DELETE:
                target.delete()
            elif action == KEEP:
                changes = _cleared(reg, cleared_names, now)
                if has_until:
                    changes["restricted_until"] = until
                target.update(**changes)
            else:
                target.update(**_cleared(reg, list(reg.fields), now))
        items.append(PlanItem(reg.label, name, action, len(pks),
                              sorted(cleared_names if action == KEEP else reg.fields if action == ANONYMISE else []),
                              until, ground))
    return items


def _walk(client, now: dt.datetime, execute: bool) -> ErasurePlan:
    """Count first, then (for a real run) act: rows that go with their parent (a booking's state
    log) are counted before the parent's deletion takes them, so both runs report the same plan."""
    organization = client.organization
    regs = client_registrations()
    # The client's own row last, so the other rows are still found through it.
    ordered = [r for r in regs if r.subject_path != "self"] + [r for r in regs if r.subject_path == "self"]
    items = [item for reg in ordered for item in _walk_model(reg, client, organization, now, execute=False)]
    if execute:
        for reg in ordered:
            _walk_model(reg, client, organization, now, execute=True)
    return ErasurePlan(items=items, executed=execute)


def plan_erasure(client, *, now: dt.datetime | None = None) -> ErasurePlan:
    """The dry run: what erasing the client would delete, anonymise, and keep (with ground and until-date)."""
    return _walk(client, now or timezone.now(), execute=False)


def erase_client(*, client, actor: Actor, request: DataSubjectRequest | None = None,
                 now: dt.datetime | None = None) -> ErasurePlan:
    """Erase the client in one transaction; audited, and written to the erasure ledger."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = type(client)._default_manager.select_for_update().get(pk=client.pk)
        if locked.erased_at is not None:
            raise Conflict(ErasureError.ALREADY_ERASED, _("This client has already been erased."))
        plan = _walk(locked, now, execute=True)
        ledger = ErasureRecord.objects.create(organization=locked.organization, subject_ref=locked.subject_ref,
                                              client_pk=locked.pk, erased_at=now, request=request,
                                              summary=plan.summary())
        record(organization=locked.organization, actor=actor, action=AuditAction.DELETE, obj=locked,
               subject_ref=locked.subject_ref, detail={"erasure": plan.summary()})
        publish(ClientErased(organization_id=locked.organization_id, client_id=locked.pk))
        line = _ledger_line(ledger)
        transaction.on_commit(lambda: _after_commit(line))
    return plan


def _ledger_line(entry: ErasureRecord) -> dict[str, Any]:
    return {"organization": entry.organization_id, "subject_ref": str(entry.subject_ref),
            "client_pk": entry.client_pk, "erased_at": entry.erased_at.isoformat()}


def append_to_ledger_file(lines: list[dict[str, Any]]) -> None:
    path = settings.ERASURE_LEDGER_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        for line in lines:
            handle.write(json.dumps(line, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _after_commit(line: dict[str, Any]) -> None:
    try:
        append_to_ledger_file([line])
    except OSError:
        logger.exception("Could not append to the erasure ledger file; `replay_erasures` rebuilds it from the table.")
    if connection.vendor == "sqlite":
        # Copy the overwritten pages into the main file now, so the old values are not left in it.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _file_entries() -> list[dict[str, Any]]:
    path = settings.ERASURE_LEDGER_PATH
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def replay_erasures(*, progress=None) -> tuple[int, int]:
    """Erase again everyone in the ledger whose data is back (an older backup was restored).

    The file and the table are first merged, so each holds every erasure either knows of.
    Returns (entries checked, clients erased again).
    """
    from clients.models import Client

    entries = {(e["organization"], e["subject_ref"]): e for e in _file_entries()}
    missing_from_file = []
    for row in ErasureRecord.objects.order_by("erased_at"):
        key = (row.organization_id, str(row.subject_ref))
        if key not in entries:
            entries[key] = _ledger_line(row)
            missing_from_file.append(entries[key])
    if missing_from_file:
        append_to_ledger_file(missing_from_file)
    erased_again = 0
    for organization_id, subject_ref in entries:
        client = (Client.objects.select_related("organization")
                  .filter(organization_id=organization_id, subject_ref=subject_ref, erased_at=None).first())
        if client is not None:
            erase_client(client=client, actor=Actor.system("replay_erasures"))
            erased_again += 1
        if progress:
            progress()
    return len(entries), erased_again
