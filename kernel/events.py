"""Durable domain events: publish inside the service's transaction, subscribers run in the worker.

A service that changes something others may react to publishes a typed event (each app lists its
own in `<app>/events.py`) in the same transaction as its rows and its audit row. `publish` writes
the event and one delivery row per subscriber, and enqueues the dispatch task through the
database task backend — all in that transaction, so the event commits or rolls back with the
change. A crash after the commit loses nothing: the rows wait for the worker (or for the
scheduler's every-minute `dispatch_events`).

Subscribers register per app in `<app>/subscribers.py` with `@subscriber(EventType, ...)`; the
kernel's AppConfig imports them all. Each delivery runs in its own transaction and is marked done
in it, so a subscriber's database effects happen once even when dispatch runs twice (at least
once, idempotent). A subscriber that raises leaves its delivery pending with a backoff (1, 2, 4 …
minutes, at most 6 hours), and after MAX_ATTEMPTS it is marked failed; both show in the operator
admin ("event deliveries") with the error type. The publisher never learns about a subscriber's
failure: a booking that was made stays made. Subscribers must write rows, not talk to the outside
world (mail and webhooks go through their own outboxes), since they run inside a transaction.

Events carry ids and plain codes only, never personal data: a subscriber reads what it needs.
There are no cross-app Django signals.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone

from kernel.models import DeliveryStatus, EventDelivery, EventRecord

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
BATCH = 500


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every domain event: a frozen record of ids, named `<app>.<what happened>`."""

    name: ClassVar[str] = ""
    organization_id: int

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("name"):
            if cls.name in EVENT_TYPES:
                raise TypeError(f"event name {cls.name} is used twice")
            EVENT_TYPES[cls.name] = cls

    def payload(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_payload(cls, payload: dict) -> Event:
        hints = typing.get_type_hints(cls)
        values = {}
        for field in dataclasses.fields(cls):
            if field.name in payload:
                value = payload[field.name]
                if isinstance(value, list) and "tuple" in str(hints.get(field.name, "")):
                    value = tuple(value)
                values[field.name] = value
        return cls(**values)


EVENT_TYPES: dict[str, type[Event]] = {}


@dataclass(frozen=True)
class Subscriber:
    name: str
    handler: Callable[[Event], object]


_SUBSCRIBERS: dict[str, list[Subscriber]] = {}  # event name -> subscribers
_BY_NAME: dict[str, Subscriber] = {}


def subscriber(*event_types: type[Event]) -> Callable:
    """Register the decorated function for each event type; it is named by its module and function."""

    def register(handler: Callable[[Event], object]) -> Callable[[Event], object]:
        entry = Subscriber(f"{handler.__module__}.{handler.__qualname__}", handler)
        _BY_NAME[entry.name] = entry
        for event_type in event_types:
            listeners = _SUBSCRIBERS.setdefault(event_type.name, [])
            if entry.name not in {s.name for s in listeners}:
                listeners.append(entry)
        return handler

    return register


def unsubscribe(handler: Callable) -> None:
    """Remove a handler everywhere (tests that register a subscriber of their own use this)."""
    name = f"{handler.__module__}.{handler.__qualname__}"
    _BY_NAME.pop(name, None)
    for listeners in _SUBSCRIBERS.values():
        listeners[:] = [s for s in listeners if s.name != name]


def subscribers_of(event_type: type[Event]) -> list[str]:
    return [s.name for s in _SUBSCRIBERS.get(event_type.name, [])]


def publish(event: Event) -> None:
    """Record the event and its deliveries, and enqueue their dispatch, in the caller's transaction.

    Refuses to run outside a transaction: an event published after its change committed could be
    lost by a crash in between, which is exactly what this module exists to prevent.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("publish() must be called inside the transaction of the change it describes")
    if not event.name:
        raise TypeError(f"{type(event).__name__} has no event name")
    now = timezone.now()
    listeners = _SUBSCRIBERS.get(event.name, [])
    if listeners and connection.vendor == "postgresql":
        event_id = _record_with_deliveries(event, [s.name for s in listeners], now)
    else:
        event_id = EventRecord.objects.create(name=event.name, organization_id=event.organization_id,
                                              payload=event.payload(), published_at=now).pk
        if listeners:
            EventDelivery.objects.bulk_create(
                [EventDelivery(event_id=event_id, subscriber=s.name, next_attempt_at=now) for s in listeners])
    if listeners:
        dispatch_events.enqueue(event_id)


def _record_with_deliveries(event: Event, subscribers: list[str], now: dt.datetime) -> int:
    """Insert the event and one pending delivery per subscriber in one statement (PostgreSQL's data-modifying
    WITH); every write publishes, so this round trip is saved on every booking and sale."""
    record_fields = [EventRecord._meta.get_field(name) for name in ("name", "organization_id", "payload",
                                                                     "published_at")]
    raw = {"name": event.name, "organization_id": event.organization_id, "payload": event.payload(),
           "published_at": now}
    q = connection.ops.quote_name
    events, deliveries = q(EventRecord._meta.db_table), q(EventDelivery._meta.db_table)
    delivery_columns = ", ".join(q(EventDelivery._meta.get_field(name).column) for name in (
        "event", "subscriber", "status", "attempts", "next_attempt_at", "last_error", "done_at"))
    names = ", ".join(["(%s)"] * len(subscribers))
    # Names from the models' own metadata, quoted; every value is a parameter.
    sql = (f"WITH e AS (INSERT INTO {events} ({', '.join(q(f.column) for f in record_fields)}) "  # noqa: S608
           f"VALUES (%s, %s, %s, %s) RETURNING id), "
           f"d AS (INSERT INTO {deliveries} ({delivery_columns}) "
           f"SELECT e.id, s.name, %s, 0, %s, '', NULL FROM e CROSS JOIN (VALUES {names}) AS s(name)) "
           f"SELECT id FROM e")
    values = [f.get_db_prep_save(raw[f.attname], connection) for f in record_fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, DeliveryStatus.PENDING.value, now, *subscribers])
        return cursor.fetchone()[0]


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes after each failure, at most 6 hours."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _deliver(delivery_id: int) -> str:
    """Run one delivery in its own transaction; the subscriber's writes and the mark commit together."""
    with transaction.atomic():
        skip_locked = connection.features.has_select_for_update_skip_locked
        delivery = (EventDelivery.objects.select_for_update(skip_locked=skip_locked).select_related("event")
                    .filter(pk=delivery_id, status=DeliveryStatus.PENDING).first())
        if delivery is None:
            return "skipped"  # another worker took it, or it is done
        now = timezone.now()
        delivery.attempts += 1
        entry = _BY_NAME.get(delivery.subscriber)
        event_type = EVENT_TYPES.get(delivery.event.name)
        try:
            if entry is None or event_type is None:
                raise LookupError("unknown subscriber or event")
            with transaction.atomic():
                entry.handler(event_type.from_payload(delivery.event.payload))
        except Exception as error:  # any failure is the subscriber's; record it and retry later
            delivery.last_error = type(error).__name__[:100]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts)
            delivery.save(update_fields=["attempts", "status", "next_attempt_at", "last_error"])
            logger.warning("subscriber %s failed on event %s (attempt %s): %s", delivery.subscriber,
                           delivery.event_id, delivery.attempts, delivery.last_error)
            return "failed" if delivery.status == DeliveryStatus.FAILED else "retry"
        delivery.status, delivery.done_at, delivery.last_error = DeliveryStatus.DONE, now, ""
        delivery.save(update_fields=["attempts", "status", "done_at", "last_error"])
        return "done"


def dispatch(*, event_id: int | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Run the due deliveries (of one event, or all), oldest first; returns counts by outcome."""
    counts = {"done": 0, "retry": 0, "failed": 0, "skipped": 0}
    due = EventDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now or timezone.now())
    if event_id is not None:
        due = due.filter(event_id=event_id)
    for pk in list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:BATCH]):
        counts[_deliver(pk)] += 1
    return counts


@task
def dispatch_events(event_id: int | None = None) -> dict[str, int]:
    """One event's deliveries right after its commit; without an id (every minute), every due retry.

    Defined here, beside `publish` that enqueues it: the worker's entry point is part of the logic."""
    return dispatch(event_id=event_id)


def failing_deliveries() -> dict[str, int]:
    """For the operator: deliveries waiting for a retry after a failure, and those given up."""
    return {"retrying": EventDelivery.objects.filter(status=DeliveryStatus.PENDING, attempts__gt=0).count(),
            "failed": EventDelivery.objects.filter(status=DeliveryStatus.FAILED).count()}


KEEP_DAYS = 30


def purge(now: dt.datetime | None = None) -> int:
    """Delete events older than KEEP_DAYS whose every delivery is done (failed ones stay for the operator)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=KEEP_DAYS)
    old = EventRecord.objects.filter(published_at__lt=cutoff).exclude(
        deliveries__status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED))
    deleted, _ = EventRecord.objects.filter(pk__in=list(old.values_list("pk", flat=True)[:10000])).delete()
    return deleted


@task
def purge_events() -> dict[str, int]:
    return {"deleted": purge()}
