"""The system check refuses any model field of ours that the registry does not classify."""

import pytest
from django.core.management import call_command
from django.db import models
from django.test.utils import isolate_apps

from kernel.checks import _check_model, check_personal_data_registry
from kernel.registry import (
    PURPOSE_SECURITY,
    RETENTION_SECURITY_LOG,
    Category,
    Erasure,
    LegalBasis,
    PersonalField,
    SubjectKind,
    personal_data,
    registry,
)

FIELD = PersonalField(Category.CONTACT, PURPOSE_SECURITY, LegalBasis.CONTRACT, RETENTION_SECURITY_LOG, Erasure.DELETE)


@pytest.fixture(autouse=True)
def _restore_registry():
    saved = dict(registry.registrations)
    yield
    registry.registrations.clear()
    registry.registrations.update(saved)


def _ids(errors) -> list[str]:
    return [e.id for e in errors]


def test_every_field_of_the_project_is_classified(db):
    assert check_personal_data_registry() == []
    call_command("check")  # raises SystemCheckError on any error


@isolate_apps("privacy")
def test_a_new_unclassified_column_is_an_error():
    @personal_data(subject_kind=SubjectKind.CLIENT, subject_path="self", fields={"email": FIELD})
    class Sample(models.Model):
        email = models.EmailField()
        phone = models.CharField(max_length=20)

    errors = _check_model(Sample)
    assert _ids(errors) == ["privacy.E002"]
    assert "Sample.phone is not classified" in errors[0].msg


@isolate_apps("privacy")
def test_an_unregistered_model_is_an_error():
    class Unregistered(models.Model):
        name = models.CharField(max_length=20)

    assert _ids(_check_model(Unregistered)) == ["privacy.E001"]


@isolate_apps("privacy")
def test_stale_double_and_groundless_classifications_are_errors():
    kept = PersonalField(Category.FINANCIAL, PURPOSE_SECURITY, LegalBasis.LEGAL_OBLIGATION, RETENTION_SECURITY_LOG,
                         Erasure.KEEP_RESTRICTED)

    @personal_data(subject_kind=SubjectKind.CLIENT, subject_path="self",
                   fields={"amount": kept, "gone": FIELD, "note": FIELD}, not_personal=["note"])
    class Payment(models.Model):
        amount = models.IntegerField()
        note = models.TextField()

    assert sorted(_ids(_check_model(Payment))) == ["privacy.E003", "privacy.E004", "privacy.E005"]


def test_the_registry_knows_categories_per_kind_of_data_subject():
    staff = registry.categories(SubjectKind.STAFF)
    assert {Category.CONTACT, Category.USAGE, Category.IDENTITY} <= staff
    security_log = registry.registrations["accounts.SecurityEvent"]
    assert security_log.fields["ip"].retention.period_days() == 90


@isolate_apps("privacy")
def test_a_period_kept_on_erasure_needs_its_start_date_and_exports_leave_out_only_personal_fields():
    from datetime import date

    from kernel.registry import Retention

    statutory = Retention("receipts", "receipts", years_after_year_end={"FI": 6})
    kept = PersonalField(Category.FINANCIAL, PURPOSE_SECURITY, LegalBasis.LEGAL_OBLIGATION, statutory,
                         Erasure.KEEP_RESTRICTED, legal_ground="Accounting Act")

    @personal_data(subject_kind=SubjectKind.CLIENT, subject_path="client", fields={"amount": kept},
                   not_personal=["client", "paid"], not_exported=["vanished"])
    class Receipt(models.Model):
        client = models.IntegerField()
        amount = models.IntegerField()
        paid = models.DateField()

    assert sorted(_ids(_check_model(Receipt))) == ["privacy.E006", "privacy.E007"]
    assert statutory.keep_until(date(2026, 3, 1), "FI") == date(2032, 12, 31)
    assert statutory.keep_until(date(2026, 3, 1), "PL") is None  # no such law there: not kept
