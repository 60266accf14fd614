"""Tasks queued before the move still run: django-tasks-db rows name a task by its dotted path, and notify's
tasks moved from notify.tasks to the modules whose logic they run (the outbox's delivery, the portal link, the
webhooks)."""

from django.db import migrations

MOVED = {
    "notify.tasks.deliver_outbox": "notify.delivery.deliver_outbox",
    "notify.tasks.send_portal_link": "notify.services.send_portal_link",
    "notify.tasks.deliver_webhooks": "notify.webhooks.deliver_webhooks",
}


def _rename(apps, paths: dict[str, str]) -> None:
    result = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in paths.items():
        result.objects.filter(task_path=old).update(task_path=new)


def forward(apps, schema_editor):
    _rename(apps, MOVED)


def backward(apps, schema_editor):
    _rename(apps, {new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):

    dependencies = [
        ('notify', '0010_webhooks'),
        ('django_tasks_database', '0021_conditional_partial_index_ordering'),
    ]

    operations = [migrations.RunPython(forward, backward)]
