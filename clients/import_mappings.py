"""Saved column mappings: an owner who maps Timma's (or Fresha's, Booksy's, an Excel sheet's) columns once
gets the same mapping offered for the next file, and suggested without asking when the column names match.

A mapping is stored by column name, not position, so a file whose columns come in another order still
matches. Saving under an existing name replaces that mapping; each save is one audit row.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clients.models import ImportKind, ImportMapping
from kernel.audit import Actor, record
from kernel.models import AuditAction
from tenancy.models import Organization
from tilli.lib.text import validate_clean_text


def mappings_for(organization: Organization, kind: str) -> list[ImportMapping]:
    return list(ImportMapping.objects.for_organization(organization).filter(kind=kind))


def matching_mapping(organization: Organization, kind: str, headers: list[str]) -> ImportMapping | None:
    """The saved mapping made for exactly these column names (in any order), the latest one first."""
    wanted = {h for h in headers if h}
    for mapping in ImportMapping.objects.for_organization(organization).filter(kind=kind).order_by("-updated_at"):
        if set(mapping.columns) == wanted:
            return mapping
    return None


def apply_mapping(mapping: ImportMapping, headers: list[str]) -> list[str]:
    """The mapping's field for each column of the file, in the file's order ("" for a column it leaves out)."""
    return [mapping.columns.get(header, "") if header else "" for header in headers]


@transaction.atomic
def import_mapping_save(*, organization: Organization, actor: Actor, kind: ImportKind | str, name: str,
                        headers: list[str], targets: list[str]) -> ImportMapping:
    """Save (or replace, by name) the mapping of `headers` to `targets`, one per column."""
    name = name.strip()
    if not name:
        raise ValidationError({"mapping_name": [_("Give the mapping a name.")]})
    validate_clean_text(name)
    if len(name) > ImportMapping._meta.get_field("name").max_length:
        raise ValidationError({"mapping_name": [_("Use a shorter name.")]})
    columns = {header: target for header, target in zip(headers, targets, strict=True) if header}
    mapping, created = ImportMapping.objects.update_or_create(
        organization=organization, kind=kind, name=name, defaults={"columns": columns})
    record(organization=organization, actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE,
           obj=mapping, changed_fields=["columns"] if not created else ["name", "columns"])
    return mapping

