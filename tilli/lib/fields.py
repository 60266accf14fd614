"""The one way to name a model's field for a person, whatever name a stored row gives.

Audit rows, erasure plans and exports keep field names as text, and they outlive the code: a row may
name a reverse relation (`subjects` of a breach), a path through one (`subjects.notified_at`), a field
that has since been removed, or a name that was never a field. Each of those must still read as words,
never crash a page: a concrete field by its `verbose_name`, a relation by the related model's plural
name, a path by its last part, anything else by the name itself with spaces.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db import models


def _humanized(name: str) -> str:
    return name.rsplit(".", 1)[-1].replace("_", " ").strip() or name


def _label_of(field) -> str | None:
    if getattr(field, "auto_created", False) and not getattr(field, "concrete", True):
        # A reverse relation (one-to-many, many-to-many, one-to-one from the other side).
        related = getattr(field, "related_model", None)
        if related is not None:
            return str(related._meta.verbose_name_plural if field.multiple else related._meta.verbose_name)
    label = getattr(field, "verbose_name", None)
    return str(label) if label else None


def field_label(model: type[models.Model] | None, name: str) -> str:
    """`name` of `model` as translated words; a dotted name is followed through its relations."""
    current, label = model, None
    for part in name.split("."):
        if current is None:
            return _humanized(name)
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return _humanized(name)
        label = _label_of(field)
        current = getattr(field, "related_model", None)
    return label or _humanized(name)
