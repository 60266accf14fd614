"""Exporting the organization's clients as a CSV file for Excel and bookkeeping.

UTF-8 with a byte-order mark and semicolons, so Finnish and Polish Excel open it as
columns; decimals with a comma for the same reason. The columns are the contact and
billing details and the active custom fields (by label); the national ID only masked,
never in clear. Cells that Excel would run as a formula get a leading apostrophe
(`clients.importing` removes it again, so an export imports back as it was).

Every exported client gets an EXPORT event in the audit log, written in the same
transaction that reads the rows, so each client's access log shows the export.
"""

from __future__ import annotations

import csv
import re
from typing import TextIO

from django.db import transaction

from clients.models import Client, CustomField
from kernel.audit import Actor, record_many
from kernel.models import AuditAction
from tenancy.models import Organization

DELIMITER = ";"
COLUMNS = ("client_number", "kind", "first_name", "last_name", "company_name", "business_id", "email", "phone",
           "street_address", "postal_code", "city", "country", "preferred_language", "billing_name",
           "billing_address", "billing_reference", "standing_discount_percent")
NATIONAL_ID_COLUMN = "national_id_masked"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[\d ]+(?:[.,]\d+)?")


def safe_cell(value: object) -> str:
    """The value as text, with an apostrophe before anything Excel would treat as a formula.

    A plain number with a sign (a phone number in international format) is left alone:
    Excel reads it as a number, it runs nothing.
    """
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _row(client: Client, with_national_id: bool, custom_keys: list[str]) -> list[str]:
    values: dict[str, object] = {name: getattr(client, name) for name in COLUMNS[2:]}
    values["client_number"] = client.pk
    values["kind"] = client.kind
    if client.standing_discount_percent is not None:
        values["standing_discount_percent"] = str(client.standing_discount_percent).replace(".", ",")
    row = [safe_cell(values[name]) for name in COLUMNS]
    if with_national_id:
        row.insert(COLUMNS.index("business_id") + 1, client.national_id_masked)
    row.extend(safe_cell(client.custom_fields.get(key, "")) for key in custom_keys)
    return row


def header(organization: Organization, definitions: list[CustomField]) -> list[str]:
    names = list(COLUMNS)
    if organization.national_id_enabled:
        names.insert(names.index("business_id") + 1, NATIONAL_ID_COLUMN)
    return names + [safe_cell(d.label) for d in definitions]


def export_clients_csv(organization: Organization, *, actor: Actor, stream: TextIO) -> int:
    """Write every client of the organization to `stream`; returns how many were exported."""
    definitions = list(CustomField.objects.for_organization(organization).filter(is_active=True))
    custom_keys = [d.key for d in definitions]
    with_national_id = organization.national_id_enabled
    stream.write("\ufeff")
    writer = csv.writer(stream, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(header(organization, definitions))
    subjects = []
    with transaction.atomic():
        clients = Client.objects.for_organization(organization).order_by("pk")
        for client in clients.iterator(chunk_size=2000):
            writer.writerow(_row(client, with_national_id, custom_keys))
            subjects.append((client.pk, client.subject_ref))
        if subjects:
            record_many(organization=organization, actor=actor, action=AuditAction.EXPORT,
                        object_type="clients.client", subjects=subjects, detail={"format": "csv"})
    return len(subjects)
