"""The export's JSON Schema, generated from the registry, so the documentation cannot drift.

`manage.py export_schema` writes it to docs/export-schema.json; a test keeps that file current.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from kernel.registry import Registration
from kernel.subjects import client_registrations, exported_fields
from tilli.lib.fields import field_label

_TYPES: list[tuple[type[models.Field], dict[str, Any]]] = [
    (models.ManyToManyField, {"type": "array", "items": {"$ref": "#/$defs/related"}}),
    (models.ForeignKey, {"$ref": "#/$defs/related"}),
    (models.DateTimeField, {"type": "string", "format": "date-time"}),
    (models.DateField, {"type": "string", "format": "date"}),
    (models.TimeField, {"type": "string", "format": "time"}),
    (models.DecimalField, {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}),
    (models.UUIDField, {"type": "string", "format": "uuid"}),
    (models.BooleanField, {"type": "boolean"}),
    (models.IntegerField, {"type": "integer"}),
    (models.JSONField, {"type": "object"}),
]


def _field_schema(reg: Registration, name: str) -> dict[str, Any]:
    field = reg.model._meta.get_field(name)
    base: dict[str, Any] = {"type": "string"}
    for cls, schema in _TYPES:
        if isinstance(field, cls):
            base = dict(schema)
            break
    if field.null and "type" in base:
        base["type"] = [base["type"], "null"]
    elif field.null:
        base = {"oneOf": [base, {"type": "null"}]}
    pf = reg.fields.get(name)
    base["title"] = field_label(reg.model, name)
    base["description"] = (
        f"{pf.category.label}. Purpose: {pf.purpose.description}. Legal basis: {pf.basis.label}. "
        f"Retention: {pf.retention.text()}. On erasure: {pf.erasure.label}." if pf else
        "Not personal data by itself; shown so that the row can be understood.")
    return base


def _section(reg: Registration) -> dict[str, Any]:
    properties = {"id": {"type": "integer"}}
    properties.update({n: _field_schema(reg, n) for n, _many in exported_fields(reg)})
    return {
        "type": "object",
        "description": str(reg.model.__doc__ or "").strip().split("\n")[0],
        "properties": {"title": {"type": "string"},
                       "rows": {"type": "array", "items": {"type": "object", "properties": properties,
                                                           "additionalProperties": False}}},
        "required": ["title", "rows"],
    }


def export_schema() -> dict[str, Any]:
    sections = {reg.label: _section(reg) for reg in client_registrations()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://tilli.example/schemas/client-export-v1.json",
        "title": "Tilli client export, version 1",
        "type": "object",
        "required": ["format", "version", "generated_at", "subject_reference", "data", "access_log", "information"],
        "properties": {
            "format": {"const": "tilli-client-export"},
            "version": {"const": 1},
            "generated_at": {"type": "string", "format": "date-time"},
            "language": {"type": "string"},
            "organization": {"type": "object"},
            "subject_reference": {"type": "string", "format": "uuid",
                                  "description": "Pseudonymous reference under which the access log is kept."},
            "data": {"type": "object", "properties": sections, "additionalProperties": False},
            "access_log": {"type": "array", "items": {"type": "object", "properties": {
                "time": {"type": "string", "format": "date-time"}, "actor": {"type": "string"},
                "name": {"type": "string"}, "role": {"type": "string"}, "action": {"type": "string"},
                "object": {"type": "string"}, "fields": {"type": "array", "items": {"type": "string"}},
                "ip": {"type": "string", "description": "Only for your own actions."}}}},
            "information": {"type": "object", "description": "What GDPR Art. 15(1)(a)-(h) requires besides the data."},
        },
        "$defs": {"related": {"type": "object", "properties": {"id": {}, "label": {"type": "string"}},
                              "description": "A related row: its id and how it is shown."}},
    }
