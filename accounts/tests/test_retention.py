"""The security log is kept SECURITY_LOG_RETENTION_DAYS, then the scheduled job deletes it."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import SecurityEvent, SecurityEventKind
from accounts.tasks import purge_security_log
from kernel.models import PeriodicJob
from kernel.scheduling import enqueue_due
from tilli.test import UserFactory

JOB = "accounts.purge_security_log"
TASK_PATH = "accounts.tasks.purge_security_log"


def _event(age_days: float, **fields) -> SecurityEvent:
    event = SecurityEvent.objects.create(kind=SecurityEventKind.SIGN_IN, ip="192.0.2.1", **fields)
    SecurityEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(days=age_days))
    return event


def test_purge_deletes_rows_older_than_the_retention_and_keeps_newer(db, settings):
    settings.SECURITY_LOG_RETENTION_DAYS = 90
    user = UserFactory()
    old = [_event(91, user=user), _event(400, identifier_hash="a" * 64)]
    kept = [_event(89, user=user), _event(0, user=user)]

    result = purge_security_log.call()

    assert result == {"deleted": 2}
    assert not SecurityEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert set(SecurityEvent.objects.values_list("pk", flat=True)) == {e.pk for e in kept}


def test_purge_follows_the_configured_retention(db, settings):
    settings.SECURITY_LOG_RETENTION_DAYS = 30
    older, newer = _event(31), _event(29)

    purge_security_log.call()

    assert list(SecurityEvent.objects.values_list("pk", flat=True)) == [newer.pk]
    assert not SecurityEvent.objects.filter(pk=older.pk).exists()


def test_purge_twice_deletes_nothing_more(db):
    _event(100)
    kept = _event(1)

    assert purge_security_log.call() == {"deleted": 1}
    assert purge_security_log.call() == {"deleted": 0}
    assert SecurityEvent.objects.get().pk == kept.pk


def test_the_scheduler_enqueues_the_purge_once_until_its_interval_has_passed(db):
    now = timezone.now()

    first = enqueue_due(now)
    second = enqueue_due(now + timedelta(minutes=1))

    assert JOB in first
    assert JOB not in second
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 1
    job = PeriodicJob.objects.get(name=JOB)
    assert job.last_enqueued_at == now
    assert job.next_run_at == now + timedelta(hours=6)

    assert JOB in enqueue_due(now + timedelta(hours=6))
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_enqueued_purge(settings):
    settings.SECURITY_LOG_RETENTION_DAYS = 90
    old, kept = _event(120), _event(10)
    assert JOB in enqueue_due()

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    assert not SecurityEvent.objects.filter(pk=old.pk).exists()
    assert SecurityEvent.objects.filter(pk=kept.pk).exists()
    result = DBTaskResult.objects.get(task_path=TASK_PATH)
    assert result.status == "SUCCESSFUL"
    assert result.return_value == {"deleted": 1}
