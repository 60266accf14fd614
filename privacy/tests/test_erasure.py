"""Erasure (D3): a dry run that says what happens, a real run in one transaction, and a search of
the whole database afterwards that finds the person only in the records the law keeps."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from billing.models import Payment
from booking.models import Appointment, Occupancy
from clients.models import CareAssignment, Client, ClientRecord, ClientSignIn, MarketingConsent, Visit
from kernel.audit import Actor, verify
from kernel.models import AuditAction, AuditEvent
from privacy.erasure import DELETE, KEEP, erase_client, plan_erasure
from privacy.models import DataSubjectRequest, ErasureRecord
from tilli.test import make_full_client

SYSTEM = Actor.system("test")


def _items(plan):
    return {(i.label, i.action): i for i in plan.items}


@pytest.mark.django_db
def test_the_dry_run_lists_what_is_deleted_anonymised_and_kept_and_changes_nothing(world):
    full = make_full_client(world.org, world.practitioner)
    plan = plan_erasure(full.client)
    items = _items(plan)
    assert items[("clients.Visit", DELETE)].count == 1
    assert items[("booking.Appointment", DELETE)].count == 1
    assert items[("booking.AppointmentTransition", DELETE)].count == 1
    assert items[("clients.ClientRecord", DELETE)].count == 1  # a salon keeps no patient records
    assert items[("clients.ClientSignIn", DELETE)].count == 1
    assert items[("clients.CareAssignment", DELETE)].count == 1
    assert items[("privacy.DataSubjectRequest", "keep")].fields == ["client", "details"]
    kept = items[("billing.Payment", KEEP)]
    assert kept.count == 1
    assert kept.keep_until == dt.date(timezone.now().year + 6, 12, 31)  # Finland: 6 years after the year's end
    assert "Accounting Act" in kept.legal_ground
    client_item = items[("clients.Client", "anonymise")]
    assert "national_id" in client_item.fields and "subject_ref" not in client_item.fields
    # Nothing changed.
    client = Client.objects.get(pk=full.client.pk)
    assert client.erased_at is None and client.email == full.email
    assert Visit.objects.filter(client=client).count() == 1
    assert not ErasureRecord.objects.exists()


@pytest.mark.django_db
def test_a_health_care_provider_keeps_patient_records_restricted_for_the_polish_period(world):
    org = world.other_org
    org.keeps_patient_records = True
    org.save()
    from tenancy.models import Membership

    practitioner = Membership.objects.filter(organization=org).first()
    full = make_full_client(org, practitioner)
    year = timezone.now().year
    items = _items(plan_erasure(full.client))
    assert items[("clients.ClientRecord", KEEP)].keep_until == dt.date(year + 20, 12, 31)
    assert items[("billing.Payment", KEEP)].keep_until == dt.date(year + 5, 12, 31)  # Poland: 5 years

    erase_client(client=full.client, actor=SYSTEM)
    record = ClientRecord.objects.get(client_id=full.client.pk)
    assert record.restricted_until == dt.date(year + 20, 12, 31)
    assert record.body == full.note  # still readable by those who may, encrypted at rest


@pytest.mark.django_db
def test_erasure_deletes_and_anonymises_keeps_payments_restricted_and_the_audit_trail(world):
    full = make_full_client(world.org, world.practitioner)
    other = make_full_client(world.org, world.practitioner, first_name="Aino", last_name="Lahtinen")
    ref, pk = full.client.subject_ref, full.client.pk
    events_before = AuditEvent.objects.filter(subject_ref=ref).count()

    plan = erase_client(client=full.client, actor=SYSTEM)

    assert plan.executed and plan.count(DELETE) >= 6
    tomb = Client.objects.get(pk=pk)
    assert tomb.erased_at is not None and tomb.subject_ref == ref
    assert (tomb.first_name, tomb.last_name, tomb.email, tomb.phone, tomb.city) == ("", "", "", "", "")
    assert tomb.national_id == "" and tomb.national_id_index == "" and tomb.custom_fields == {}
    assert not Client.objects.for_organization(world.org).filter(pk=pk).exists()  # hidden from every view
    for model in (Visit, ClientRecord, ClientSignIn, MarketingConsent, Appointment, CareAssignment):
        assert not model.objects.filter(client_id=pk).exists(), model
    assert not Occupancy.objects.filter(appointment__client_id=pk).exists()
    payment = Payment.objects.get(client_id=pk)
    assert payment.payer_name == "Ilmatar Kivikangas" and payment.restricted_until is not None
    assert not Payment.objects.unrestricted().filter(pk=payment.pk).exists()
    request = DataSubjectRequest.objects.get(subject_ref=ref)
    assert request.client_id is None and request.details == ""
    # The trail survives under the pseudonym, with the erasure itself at its end, and the chain holds.
    events = AuditEvent.objects.filter(subject_ref=ref).order_by("seq")
    assert events.count() == events_before + 1 and events.last().action == AuditAction.DELETE
    assert verify(world.org).ok
    assert ErasureRecord.objects.get(subject_ref=ref).summary["billing.Payment"] == {"keep": 1}
    # The other client is untouched.
    assert Visit.objects.filter(client=other.client).count() == 1
    assert Client.objects.get(pk=other.client.pk).email == other.email

    with pytest.raises(ValidationError):
        erase_client(client=tomb, actor=SYSTEM)


@pytest.mark.django_db
def test_a_failure_half_way_leaves_everything_as_it_was(world, monkeypatch):
    full = make_full_client(world.org, world.practitioner)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ErasureRecord.objects, "create", broken)
    with pytest.raises(RuntimeError):
        erase_client(client=full.client, actor=SYSTEM)
    client = Client.objects.get(pk=full.client.pk)
    assert client.erased_at is None and client.email == full.email
    assert Visit.objects.filter(client=client).exists() and Appointment.objects.filter(client=client).exists()


def _every_value_in_the_database() -> dict[str, str]:
    """Every row of every table as text, keyed by table: what a dump of the database would show."""
    out = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")
            out[table] = "\n".join("|".join(str(v) for v in row) for row in cursor.fetchall())
    return out


@pytest.mark.django_db(transaction=True)
def test_after_erasure_the_database_files_and_queue_hold_the_person_only_in_kept_accounting_records(world, settings,
                                                                                                  tmp_path):
    settings.EXPORT_DIR = tmp_path / "exports"
    full = make_full_client(world.org, world.practitioner)
    from django.core.management import call_command

    from privacy.exports import request_export

    request_export(client=full.client, actor=SYSTEM)
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert any(settings.EXPORT_DIR.rglob("*.sealed"))

    erase_client(client=full.client, actor=SYSTEM)

    dump = _every_value_in_the_database()
    for value in (full.email, full.phone, full.national_id, full.note, "wants it short", "asks for a copy"):
        found = [table for table, text in dump.items() if value in text]
        assert not found, (value, found)
    receipts = sorted(apps.get_model(label)._meta.db_table for label in ("billing.Payment", "billing.Sale"))
    for value in (full.name, "Kuusitie"):  # name and address on the receipts (legacy and counter), kept by law
        assert sorted(t for t, text in dump.items() if value in text) == receipts, value
    assert not any(settings.EXPORT_DIR.rglob("*.sealed"))  # the export file went with the client
    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
        for value in (full.email, full.phone, full.national_id, "wants it short", "asks for a copy"):
            assert value.encode() not in raw, value  # secure_delete: no copy left in free pages
        assert raw.count(full.name.encode()) >= 1
