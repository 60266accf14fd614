"""Exporting clients as CSV: Excel-friendly, national IDs masked, every export in each
client's access log, and an export imports back as duplicates of the same clients.
"""

import csv
import io

import pytest
from django.utils import translation

from clients.access_log import client_access_log
from clients.exporting import export_clients_csv, safe_cell
from clients.importing import dry_run, run_import
from clients.models import Client, CustomField, FieldType
from kernel.audit import Actor, verify
from kernel.models import AuditAction, AuditEvent
from tilli.test import HETU, make_client

ACTOR = Actor(kind="user", user_id=9, label="Aino Accountant", role="accountant", ip="192.0.2.20")


def export(org) -> str:
    stream = io.StringIO()
    export_clients_csv(org, actor=ACTOR, stream=stream)
    return stream.getvalue()


def rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";"))


@pytest.fixture
def register(world):
    world.org.national_id_enabled = True
    world.org.save()
    CustomField.objects.create(organization=world.org, key="video", label="Video link", field_type=FieldType.URL)
    anna = make_client(world.org, phone="0401234567", email="anna@example.test", national_id=HETU,
                       street_address="Katu 1", postal_code="00100", city="Helsinki", standing_discount_percent="10",
                       billing_name="=HYPERLINK(\"http://evil.test\")", billing_address="Lasku\nPL 5",
                       custom_fields={"video": "https://meet.example.test/anna"})
    firm = make_client(world.org, kind="company", first_name="", last_name="", company_name="Firma Oy",
                       business_id="2345678-0", email="info@firma.test")
    make_client(world.other_org, first_name="Jan", last_name="Nowak", phone="601234567")
    return [anna, firm]


def test_the_file_opens_in_excel_with_masked_national_ids_and_custom_columns(world, register):
    anna, firm = register
    text = export(world.org)
    assert text.startswith("\ufeffclient_number;kind;first_name;last_name;company_name;business_id;national_id_masked;")
    exported = rows(text)
    assert [r["client_number"] for r in exported] == [str(anna.pk), str(firm.pk)]  # not the other organization's
    assert HETU not in text and exported[0]["national_id_masked"] == anna.national_id_masked
    assert exported[0]["phone"] == "+358401234567" and exported[0]["Video link"] == "https://meet.example.test/anna"
    assert exported[0]["standing_discount_percent"] == "10,00"  # a decimal comma, as Finnish Excel reads it
    assert exported[0]["billing_name"].startswith("'=HYPERLINK")  # never run as a formula
    assert exported[0]["billing_address"] == "Lasku\nPL 5"
    assert (exported[1]["kind"], exported[1]["company_name"], exported[1]["business_id"]) == (
        "company", "Firma Oy", "2345678-0")
    assert "Nowak" not in text


def test_every_exported_client_gets_one_export_event_in_its_access_log(world, register):
    before = AuditEvent.objects.for_organization(world.org).count()
    export(world.org)
    events = AuditEvent.objects.for_organization(world.org).filter(action=AuditAction.EXPORT)
    assert AuditEvent.objects.for_organization(world.org).count() == before + len(register)
    assert sorted(e.subject_ref for e in events) == sorted(c.subject_ref for c in register)
    assert all(e.actor_user_id == 9 and e.actor_role == "accountant" and e.detail == {"format": "csv"}
               for e in events)
    for client in register:
        assert client_access_log(client).first().action == AuditAction.EXPORT
    assert not AuditEvent.objects.for_organization(world.other_org).filter(action=AuditAction.EXPORT).exists()
    assert verify(world.org).ok


def test_an_organization_without_national_ids_gets_no_such_column_and_an_empty_one_no_events(world):
    text = export(world.org)
    assert "national_id" not in text and rows(text) == []
    assert not AuditEvent.objects.for_organization(world.org).filter(action=AuditAction.EXPORT).exists()


def test_an_export_imports_back_as_duplicates_of_the_same_clients(world, register):
    anna, firm = register
    text = export(world.org)
    with translation.override("en"):
        report = dry_run(world.org, text)
    assert report.ok and report.rows == 2
    assert {(d.row, d.client_id) for d in report.duplicates} == {(2, anna.pk), (3, firm.pk)}
    assert set(report.ignored_columns) == {"client_number", "national_id_masked", "country"}


def test_an_export_carries_the_data_into_another_organization_unchanged(world, register):
    from tilli.test import make_organization

    anna = register[0]
    target = make_organization(name="Uusi Salon")
    CustomField.objects.create(organization=target, key="video", label="Video link", field_type=FieldType.URL)
    report = run_import(target, export(world.org), actor=ACTOR)
    assert report.created == 2
    copy = Client.objects.for_organization(target).get(first_name="Anna")
    for name in ("phone", "email", "street_address", "postal_code", "city", "billing_name", "billing_address",
                 "standing_discount_percent", "custom_fields"):
        assert getattr(copy, name) == getattr(anna, name), name
    assert copy.national_id == ""  # masked on the way out, so never carried


@pytest.mark.parametrize(("value", "cell"), [
    ("=1+2", "'=1+2"), ("@SUM(A1)", "'@SUM(A1)"), ("-2+3", "'-2+3"), ("+358401234567", "+358401234567"),
    ("-15", "-15"), ("Anna", "Anna"), (None, ""),
])
def test_cells_that_excel_would_run_as_formulas_are_guarded(value, cell):
    assert safe_cell(value) == cell
