"""Finding every row of one client through the registry, and turning a row into plain values.

Export and erasure both start here, so a model that declares `subject_path` in its
`@personal_data` registration is exported and erased without either knowing it exists.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import models

from kernel.registry import Registration, SubjectKind, registry


def client_registrations() -> list[Registration]:
    """Registrations whose rows lead to one client: the client's own row first, then the rest by label."""
    regs = [r for r in registry if r.subject_kind == SubjectKind.CLIENT and r.subject_path]
    return sorted(regs, key=lambda r: (r.subject_path != "self", r.label))


def _relation_fields(reg: Registration) -> tuple[list[str], list[str]]:
    forward, many = [], []
    for name in reg.fields:
        field = reg.model._meta.get_field(name)
        if field.many_to_many:
            many.append(name)
        elif field.is_relation:
            forward.append(name)
    return forward, many


def rows_of(reg: Registration, client: models.Model) -> models.QuerySet:
    """The rows of `reg`'s model that belong to `client`, with their relations loaded in bulk."""
    manager = reg.model._default_manager
    if reg.subject_path == "self":
        return manager.filter(pk=client.pk)
    forward, many = _relation_fields(reg)
    qs = manager.filter(organization_id=client.organization_id, **{reg.subject_path: client})
    if forward:
        qs = qs.select_related(*forward)
    return qs.prefetch_related(*many).order_by("pk")


def plain(value: Any) -> Any:
    """A JSON-ready form of one stored value."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return {"id": value.pk, "label": str(value)}
    return value


def exported_fields(reg: Registration) -> list[tuple[str, bool]]:
    """(name, is many-to-many) of the fields an export shows, in the model's order: the personal
    fields and the context that makes a row readable (a consent's channel, a receipt's number),
    without the tenant key, derived values and secrets (`not_exported`)."""
    meta = reg.model._meta
    return [(f.name, f.many_to_many) for f in (*meta.concrete_fields, *meta.many_to_many)
            if f.name not in ("id", "organization") and f.name not in reg.not_exported]


def row_values(reg: Registration, row: models.Model, fields: list[tuple[str, bool]] | None = None) -> dict[str, Any]:
    """The exported fields of one row, plus its id."""
    values: dict[str, Any] = {"id": row.pk}
    for name, many in fields if fields is not None else exported_fields(reg):
        values[name] = [plain(o) for o in getattr(row, name).all()] if many else plain(getattr(row, name))
    return values


def client_rows(client: models.Model) -> Iterator[tuple[Registration, list[models.Model]]]:
    for reg in client_registrations():
        yield reg, list(rows_of(reg, client))
