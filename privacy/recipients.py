"""The organization's own recipients of client data (e.g. its accounting office): adding and removing one.

The privacy notice and the record of processing list the current ones (`privacy.documents`). A removed
recipient keeps its row with `removed_at`, so an older published notice that named it still makes sense.
Each change is one transaction with its audit row; the panel page (`web.recipient_views`) only presents.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kernel.audit import Actor, record
from kernel.models import AuditAction
from privacy.models import OrganizationRecipient
from tenancy.models import Organization


@transaction.atomic
def recipient_add(*, organization: Organization, actor: Actor, name: str, purpose: str, data_categories: str,
                  country: str, is_processor: bool) -> OrganizationRecipient:
    recipient = OrganizationRecipient.objects.create(
        organization=organization, name=name, purpose=purpose, data_categories=data_categories, country=country,
        is_processor=is_processor)
    record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=recipient,
           detail={"country": recipient.country, "is_processor": recipient.is_processor})
    return recipient


@transaction.atomic
def recipient_remove(*, recipient: OrganizationRecipient, actor: Actor) -> None:
    recipient.removed_at = timezone.now()
    recipient.save(update_fields=["removed_at"])
    record(organization=recipient.organization, actor=actor, action=AuditAction.DELETE, obj=recipient)
