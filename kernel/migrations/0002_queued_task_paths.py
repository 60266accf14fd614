"""Tasks queued before the move still run: their rows in django-tasks-db name the task by its dotted path,
and the event tasks moved from tilli.tasks to kernel.events (beside the logic that enqueues them)."""

from django.db import migrations

MOVED = {
    "tilli.tasks.dispatch_events": "kernel.events.dispatch_events",
    "tilli.tasks.purge_events": "kernel.events.purge_events",
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
        ('kernel', '0001_initial'),
        ('django_tasks_database', '0021_conditional_partial_index_ordering'),
    ]

    operations = [migrations.RunPython(forward, backward)]
