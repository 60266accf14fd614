"""The kernel's tables moved without losing a row: from the schema before the kernel app, with an audit chain,
a periodic job, a domain event with its delivery and tasks queued under their old paths in it, migrating
forward leaves every row readable through the kernel's models, the chain still verifies, and the queued
tasks still run.

It names the old module paths on purpose (kernel-rewrite: keep).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kernel.audit import GENESIS_HASH, compute_hash, verify
from kernel.models import AuditChainHead, AuditEvent, DeliveryStatus, EventDelivery, EventRecord, PeriodicJob
from tenancy.models import Organization
from tilli.test import make_organization, run_worker

pytestmark = pytest.mark.django_db(transaction=True)

# Today's schema on main before the kernel app existed (kernel None: none of its migrations applied).
BEFORE_KERNEL = [("privacy", "0007_request_transitions"), ("tilli", "0001_domain_event_log"),
                 ("notify", "0010_webhooks"), ("tenancy", "0008_model_names"), ("kernel", None)]
OLD_TASK_PATHS = ("tilli.tasks.dispatch_events", "notify.tasks.deliver_outbox")


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def _latest() -> None:
    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())


def _old_rows(old_apps, organization_id: int, now: dt.datetime) -> dict:
    """Rows written through the models as they were before the move (privacy's, tilli's)."""
    audit_event = old_apps.get_model("privacy", "AuditEvent")
    prev_hash, pks = GENESIS_HASH, []
    for seq, action in enumerate(("create", "view", "update"), start=1):
        row = audit_event(organization_id=organization_id, seq=seq, created_at=now + dt.timedelta(seconds=seq),
                          actor_kind="user", actor_user_id=7, actor_label="Staff", actor_role="owner",
                          action=action, object_type="clients.client", object_id="1", changed_fields=["email"],
                          detail={}, ip="", prev_hash=prev_hash)
        row.hash = compute_hash(prev_hash, row)
        row.save()
        prev_hash = row.hash
        pks.append(row.pk)
    old_apps.get_model("privacy", "AuditChainHead").objects.update_or_create(
        organization_id=organization_id, defaults={"seq": 3, "hash": prev_hash})
    job = old_apps.get_model("privacy", "PeriodicJob").objects.create(name="tilli.purge_events",
                                                                       next_run_at=now + dt.timedelta(days=1))
    event = old_apps.get_model("tilli", "EventRecord").objects.create(
        name="tests.moved", organization_id=organization_id, payload={"organization_id": organization_id},
        published_at=now)
    delivery = old_apps.get_model("tilli", "EventDelivery").objects.create(
        event=event, subscriber="tests.gone", next_attempt_at=now)
    tasks = []  # django-tasks-db's own table, untouched by the move
    for path in OLD_TASK_PATHS:
        args = [event.pk] if path.startswith("tilli") else []
        tasks.append(DBTaskResult.objects.create(
            task_path=path, status="READY", args_kwargs={"args": args, "kwargs": {}}, queue_name="default",
            backend_name="default", priority=0, run_after=now, exception_class_path="", traceback="").pk)
    return {"audit": pks, "head": prev_hash, "job": job.pk, "event": event.pk, "delivery": delivery.pk,
            "tasks": tasks}


def test_the_kernel_tables_move_with_their_rows_and_queued_tasks_still_run():
    organization = make_organization()
    try:
        executor = _migrate(BEFORE_KERNEL)
        old_apps = executor.loader.project_state(BEFORE_KERNEL[:3]).apps
        assert "kernel" not in {config.label for config in old_apps.get_app_configs()}
        other = old_apps.get_model("tenancy", "Organization").objects.create(
            name="Before the move", slug="before-the-move", country="FI")
        rows = _old_rows(old_apps, other.pk, timezone.now())
    finally:
        _latest()

    events = list(AuditEvent.objects.filter(organization_id=other.pk).order_by("seq"))
    assert [e.pk for e in events] == rows["audit"]
    assert [e.action for e in events] == ["create", "view", "update"]
    assert AuditChainHead.objects.get(organization_id=other.pk).hash == rows["head"]
    chain = verify(Organization.objects.get(pk=other.pk))
    assert chain.ok, chain.problems
    assert chain.checked == 3
    assert verify(organization).ok  # the chain written through the new models before the round trip too

    assert PeriodicJob.objects.get(pk=rows["job"]).name == "tilli.purge_events"
    delivery = EventDelivery.objects.select_related("event").get(pk=rows["delivery"])
    assert (delivery.event.pk, delivery.event.name, delivery.status) == (rows["event"], "tests.moved",
                                                                         DeliveryStatus.PENDING)
    assert EventRecord.objects.get(pk=rows["event"]).deliveries.count() == 1

    queued = DBTaskResult.objects.filter(pk__in=rows["tasks"])
    assert sorted(queued.values_list("task_path", flat=True)) == [
        "kernel.events.dispatch_events", "notify.delivery.deliver_outbox"]
    run_worker()
    assert sorted(DBTaskResult.objects.filter(pk__in=rows["tasks"]).values_list("status", flat=True)) == [
        "SUCCESSFUL", "SUCCESSFUL"]
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_error) == (1, "LookupError")  # the dispatch ran on the moved row
