"""The event kernel: durable with the change, dispatched at least once, effects once, failures retried and shown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.tasks import default_task_backend
from django.urls import reverse
from django.utils import timezone

from kernel import events
from kernel.events import Event, dispatch, publish, subscriber
from kernel.models import DeliveryStatus, EventDelivery, EventRecord
from tilli.test import operator_client, run_worker

pytestmark = pytest.mark.django_db

calls: list[int] = []
failing = {"on": False}


@dataclass(frozen=True, kw_only=True)
class Pinged(Event):
    name = "tests.pinged"
    thing_id: int


def record_ping(event: Pinged) -> None:
    from kernel.models import PeriodicJob

    PeriodicJob.objects.create(name=f"ping-{event.thing_id}", next_run_at=timezone.now())  # a real write
    if failing["on"]:
        raise ConnectionError("the subscriber's own trouble")
    calls.append(event.thing_id)


@pytest.fixture(autouse=True)
def listening():
    calls.clear()
    failing["on"] = False
    subscriber(Pinged)(record_ping)
    yield
    events.unsubscribe(record_ping)


@pytest.mark.django_db(transaction=True)
def test_publish_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        publish(Pinged(organization_id=1, thing_id=1))


def test_an_event_rolls_back_with_the_change():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        publish(Pinged(organization_id=1, thing_id=1))
        1 / 0  # noqa: B018  (the service fails after publishing)
    assert not EventRecord.objects.exists() and not EventDelivery.objects.exists()


def test_publish_writes_the_event_its_deliveries_and_the_dispatch_task_in_one_transaction():
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        publish(Pinged(organization_id=7, thing_id=3))
    row = EventRecord.objects.get()
    assert (row.name, row.organization_id, row.payload) == ("tests.pinged", 7, {"organization_id": 7, "thing_id": 3})
    assert list(row.deliveries.values_list("subscriber", "status")) == [
        ("kernel.tests.test_events.record_ping", DeliveryStatus.PENDING)]
    assert DBTaskResult.objects.filter(task_path="kernel.events.dispatch_events").count() == 1
    assert calls == []  # nothing ran in the publisher's process
    assert default_task_backend is not None


def test_the_worker_runs_each_subscriber_once_even_when_dispatch_runs_twice():
    with transaction.atomic():
        publish(Pinged(organization_id=1, thing_id=5))
    run_worker()
    assert dispatch() == {"done": 0, "retry": 0, "failed": 0, "skipped": 0}
    run_worker()
    assert calls == [5]
    assert EventDelivery.objects.get().status == DeliveryStatus.DONE


def test_a_failing_subscriber_is_retried_with_backoff_and_its_writes_roll_back():
    from kernel.models import PeriodicJob

    failing["on"] = True
    with transaction.atomic():
        publish(Pinged(organization_id=1, thing_id=9))
    run_worker()
    delivery = EventDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.PENDING, 1,
                                                                         "ConnectionError")
    assert delivery.next_attempt_at > timezone.now()
    assert not PeriodicJob.objects.filter(name="ping-9").exists()  # the failed attempt left nothing
    assert events.failing_deliveries() == {"retrying": 1, "failed": 0}
    assert dispatch()["done"] == 0  # not due yet

    failing["on"] = False
    assert dispatch(now=timezone.now() + dt.timedelta(minutes=2))["done"] == 1
    assert calls == [9] and PeriodicJob.objects.filter(name="ping-9").count() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.DONE, 2, "")


def test_a_subscriber_that_keeps_failing_is_given_up_and_shown_to_the_operator():
    failing["on"] = True
    with transaction.atomic():
        publish(Pinged(organization_id=1, thing_id=4))
    later = timezone.now()
    for _ in range(events.MAX_ATTEMPTS):
        later += dt.timedelta(hours=7)
        dispatch(now=later)
    delivery = EventDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, events.MAX_ATTEMPTS)
    assert events.failing_deliveries() == {"retrying": 0, "failed": 1}
    page = operator_client().get(reverse("admin:kernel_eventdelivery_changelist") + "?status=failed")
    assert page.status_code == 200
    assert "kernel.tests.test_events.record_ping" in page.content.decode()


def test_backoff_grows_and_is_capped():
    assert [events.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert events.backoff(30) == dt.timedelta(hours=6)


def test_old_events_are_purged_once_handled_and_failed_ones_stay():
    with transaction.atomic():
        publish(Pinged(organization_id=1, thing_id=1))
    dispatch()
    failing["on"] = True
    with transaction.atomic():
        publish(Pinged(organization_id=1, thing_id=2))
    dispatch()
    EventDelivery.objects.filter(status=DeliveryStatus.PENDING).update(status=DeliveryStatus.FAILED)
    EventRecord.objects.update(published_at=timezone.now() - dt.timedelta(days=events.KEEP_DAYS + 1))
    events.purge()
    assert list(EventRecord.objects.values_list("payload__thing_id", flat=True)) == [2]


ID_FIELDS_ALLOWED = {"organization_id", "revision", "channel", "source", "fields", "consent", "granted", "kind",
                     "status"}


def test_no_event_type_carries_more_than_ids_and_codes():
    """Events are stored and may leave Tilli (webhooks): personal data stays in the rows they point at."""
    import dataclasses

    assert len(events.EVENT_TYPES) >= 17
    for event_type in events.EVENT_TYPES.values():
        for field in dataclasses.fields(event_type):
            assert field.name.endswith("_id") or field.name in ID_FIELDS_ALLOWED, (event_type.name, field.name)


def test_the_scheduler_dispatches_retries_every_minute():
    from kernel.scheduling import schedules

    assert schedules()["tilli.dispatch_events"].every == dt.timedelta(minutes=1)


def test_the_status_command_names_failing_subscribers_and_fails_when_one_gave_up():
    from io import StringIO

    from django.core.management import CommandError, call_command

    failing["on"] = True
    with transaction.atomic():
        publish(Pinged(organization_id=1, thing_id=6))
    dispatch()
    out = StringIO()
    call_command("event_status", stdout=out)
    assert "retrying 1 failed 0" in out.getvalue()
    assert "kernel.tests.test_events.record_ping pending 1" in out.getvalue()
    EventDelivery.objects.update(status=DeliveryStatus.FAILED)
    with pytest.raises(CommandError):
        call_command("event_status", stdout=StringIO())
