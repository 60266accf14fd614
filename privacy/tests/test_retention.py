"""Retention (issue 6.6): each registry period applied by a scheduled job, with a dry run that
only counts. The clock is frozen by passing `now`: the same code path the daily task runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing.models import Payment
from clients.models import Client, ClientSignIn
from clients.services import client_restrict
from kernel.audit import Actor
from kernel.scheduling import schedules
from notify.models import Message
from privacy.models import DataExport, DataSubjectRequest, ExportStatus, RequestChannel, RequestKind, RequestStatus
from privacy.requests import request_create
from privacy.retention import run_retention
from tilli.test import legacy_payment as payment_record
from tilli.test import make_client, make_full_client

SYSTEM = Actor.system("test")


def _age(client: Client, when: dt.datetime) -> None:
    Client.objects.filter(pk=client.pk).update(created_at=when, updated_at=when)


@pytest.mark.django_db
def test_inactive_clients_are_erased_after_the_organizations_period_but_what_law_keeps_stays(world):
    now = timezone.now()
    four_years = now - dt.timedelta(days=4 * 365)
    sleeper = make_client(world.org, first_name="Unohdettu", email="sleeper@example.test")
    _age(sleeper, four_years)
    paid = make_client(world.org, first_name="Maksanut")
    payment_record(organization=world.org, client=paid, amount=Decimal("20"), method="cash", actor=SYSTEM,
                   paid_at=four_years)
    _age(paid, four_years)
    regular = make_client(world.org, first_name="Kanta")
    _age(regular, four_years)
    payment_record(organization=world.org, client=regular, amount=Decimal("20"), method="cash", actor=SYSTEM,
                   paid_at=now - dt.timedelta(days=100))
    restricted = make_client(world.org, first_name="Rajattu")
    client_restrict(client=restricted, actor=SYSTEM, reason="Accuracy contested")
    _age(restricted, four_years)
    fresh = make_client(world.org, first_name="Uusi")

    dry = run_retention(now=now, dry_run=True)
    assert dry.counts()["inactive_clients"] == 2
    assert Client.objects.for_organization(world.org).count() == 5  # a dry run changes nothing

    report = run_retention(now=now, dry_run=False)
    assert report.counts()["inactive_clients"] == 2
    remaining = set(Client.objects.for_organization(world.org).values_list("pk", flat=True))
    assert remaining == {regular.pk, restricted.pk, fresh.pk}
    payment = Payment.objects.get(client_id=paid.pk)  # the receipt stays, restricted, for the statutory period
    assert payment.restricted_until == dt.date(four_years.year + 6, 12, 31)
    assert run_retention(now=now, dry_run=False).counts()["inactive_clients"] == 0  # idempotent


@pytest.mark.django_db
def test_an_organization_can_shorten_or_lengthen_the_inactivity_period(world):
    now = timezone.now()
    client = make_client(world.org)
    _age(client, now - dt.timedelta(days=2 * 365 + 10))
    assert run_retention(now=now).counts()["inactive_clients"] == 0
    world.org.inactive_client_years = 2
    world.org.save()
    assert run_retention(now=now).counts()["inactive_clients"] == 1


@pytest.mark.django_db
def test_sign_ins_links_exports_receipts_and_closed_requests_go_when_their_periods_end(
        world, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.EXPORT_DIR = tmp_path
    now = timezone.now()
    full = make_full_client(world.org, world.practitioner)
    client = full.client
    old_sign_in = ClientSignIn.objects.create(organization=world.org, client=client, ip="203.0.113.9", method="link")
    ClientSignIn.objects.filter(pk=old_sign_in.pk).update(at=now - dt.timedelta(days=91))
    expired = DataExport.objects.create(organization=world.org, client=client, status=ExportStatus.READY,
                                        file_name="old.zip.sealed", expires_at=now - dt.timedelta(hours=1))
    (tmp_path / str(world.org.pk)).mkdir()
    (tmp_path / str(world.org.pk) / "old.zip.sealed").write_bytes(b"sealed")
    live = DataExport.objects.create(organization=world.org, client=client, status=ExportStatus.READY,
                                     file_name="new.zip.sealed", expires_at=now + dt.timedelta(days=3))
    old_receipt = payment_record(organization=world.org, client=client, amount=Decimal("9.90"), method="card",
                                 actor=SYSTEM, paid_at=dt.datetime(now.year - 7, 6, 1, tzinfo=dt.UTC))
    old_message = Message.objects.filter(client=client).first()
    Message.objects.filter(pk=old_message.pk).update(created_at=now - dt.timedelta(days=2 * 365 + 1))
    closed = request_create(organization=world.org, kind=RequestKind.ACCESS, channel=RequestChannel.EMAIL,
                            actor=SYSTEM, client=client)
    DataSubjectRequest.objects.filter(pk=closed.pk).update(status=RequestStatus.COMPLETED,
                                                           closed_at=now - dt.timedelta(days=3 * 365 + 1))

    with django_capture_on_commit_callbacks(execute=True):
        counts = run_retention(now=now, dry_run=False).counts()

    assert counts["portal_sign_ins"] == 1 and ClientSignIn.objects.filter(client=client).count() == 1
    assert counts["portal_links"] == 0
    assert counts["expired_exports"] == 1 and list(DataExport.objects.filter(client=client)) == [live]
    assert not (tmp_path / str(world.org.pk) / "old.zip.sealed").exists()
    assert counts["accounting_records"] == 1 and not Payment.objects.filter(pk=old_receipt.pk).exists()
    assert Payment.objects.filter(client=client).count() == 1  # this year's receipt stays
    assert counts["messages"] == 1 and not Message.objects.filter(pk=old_message.pk).exists()
    assert counts["closed_requests"] == 1 and not DataSubjectRequest.objects.filter(pk=closed.pk).exists()
    assert expired.pk not in set(DataExport.objects.values_list("pk", flat=True))


@pytest.mark.django_db
def test_the_command_reports_counts_and_the_job_is_scheduled_daily(world, capsys):
    _age(make_client(world.org), timezone.now() - dt.timedelta(days=5 * 365))
    call_command("retention", "--dry-run", verbosity=0)
    out = capsys.readouterr().out
    assert "inactive_clients" in out and "would remove      1" in out
    assert Client.objects.for_organization(world.org).count() == 1
    assert schedules()["privacy.apply_retention"].every == dt.timedelta(days=1)
    assert schedules()["privacy.send_request_digest"].every == dt.timedelta(days=1)
