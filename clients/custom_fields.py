"""The organization's own client fields (e.g. a video-call address): defining one.

The key is unique per organization by a database constraint, so two owners adding the same key at once get
one field and one clear refusal, never a second row or an error page.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from clients.models import CustomField
from kernel.audit import Actor, record
from kernel.models import AuditAction
from tenancy.models import Organization


def custom_field_add(*, organization: Organization, actor: Actor, label: str, key: str, field_type: str,
                     is_active: bool) -> CustomField:
    """Define a field; refuses (on `key`) a key the organization already uses. One transaction, one audit row."""
    try:
        with transaction.atomic():
            definition = CustomField.objects.create(organization=organization, label=label, key=key,
                                                    field_type=field_type, is_active=is_active)
            record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=definition)
    except IntegrityError:
        raise ValidationError({"key": _("A field with this key exists already.")}) from None
    return definition
