"""Prometheus metrics: what happens in this process (requests, bookings) and what the database holds.

Request latency is a histogram by URL pattern name (never the path, which holds ids and tokens) and
bookings a counter, both kept in the process; with several web processes set PROMETHEUS_MULTIPROC_DIR
(prometheus-client's multiprocess mode) so one scrape adds them up. The outbox, the task queue, the
failed deliveries and the last backup are read from the database at each scrape by a collector, so
every process answers the same figures.
"""

from __future__ import annotations

import os

from django.db import transaction
from django.db.models.signals import post_save
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

REQUEST_SECONDS = Histogram(
    "tilli_request_duration_seconds", "Time to answer a request, by URL pattern name.",
    ["route", "method", "status_class"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
BOOKINGS = Counter("tilli_bookings", "Appointments booked (committed), by channel.", ["channel"])


def observe_request(*, route: str, method: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(route=route, method=method, status_class=f"{status // 100}xx").observe(seconds)


def _appointment_saved(sender, instance, created: bool, **kwargs) -> None:
    if created:
        channel = str(instance.channel)
        transaction.on_commit(lambda: BOOKINGS.labels(channel=channel).inc())  # a rolled-back booking is none


def connect_signals() -> None:
    post_save.connect(_appointment_saved, sender="booking.Appointment", dispatch_uid="ops.metrics.bookings")


class DatabaseCollector(Collector):
    """Gauges read from the database at scrape time."""

    def collect(self):
        from django.utils import timezone

        from ops import selectors

        now = timezone.now()
        backlog = GaugeMetricFamily("tilli_outbox_backlog", "Messages queued whose sending time has come.")
        backlog.add_metric([], selectors.outbox_backlog(now))
        yield backlog
        messages = GaugeMetricFamily("tilli_outbox_messages", "Messages in the outbox by status and channel "
                                     "(status=failed: deliveries that gave up).", labels=["status", "channel"])
        for (status, channel), n in sorted(selectors.message_counts().items()):
            messages.add_metric([status, channel], n)
        yield messages
        ready, age = selectors.due_tasks(now)
        tasks = GaugeMetricFamily("tilli_task_queue_ready", "Background tasks due and not yet started.")
        tasks.add_metric([], ready)
        yield tasks
        oldest = GaugeMetricFamily("tilli_task_queue_oldest_age_seconds",
                                   "How long the longest-waiting due task has waited (0 when none).")
        oldest.add_metric([], age or 0.0)
        yield oldest
        beat = selectors.heartbeat_at()
        heartbeat = GaugeMetricFamily("tilli_worker_heartbeat_timestamp_seconds",
                                      "When the worker last ran the heartbeat task (Unix time; 0: never).")
        heartbeat.add_metric([], beat.timestamp() if beat else 0.0)
        yield heartbeat
        backup = selectors.last_good_backup()
        last = GaugeMetricFamily("tilli_backup_last_success_timestamp_seconds",
                                 "When the last good backup finished (Unix time; 0: never).")
        last.add_metric([], backup.finished_at.timestamp() if backup else 0.0)
        yield last


def exposition_registry() -> CollectorRegistry:
    """The process's own metrics (or every process's, in multiprocess mode) plus the database's."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics())
    registry.register(DatabaseCollector())
    return registry


class _ProcessMetrics(Collector):
    def collect(self):
        yield from REGISTRY.collect()
