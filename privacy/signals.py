"""Removing an export's file whenever its row goes (erasure, retention, organization deleted)."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from privacy.models import DataExport


@receiver(post_delete, sender=DataExport)
def delete_export_file(sender, instance: DataExport, **kwargs) -> None:
    from privacy.exports import delete_export_file as unlink

    organization_id, file_name = instance.organization_id, instance.file_name
    transaction.on_commit(lambda: unlink(organization_id, file_name))
