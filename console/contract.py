"""The end of a contract (GDPR Art. 28(3)(g)): return all of the organization's data, then delete it.

1. `contract_end` stops serving the organization (status `contract_ended`), builds one archive of every
   row it keeps, in every table the personal-data registry knows (`organization_archive`: a zip of JSON,
   one file per table, with a manifest), seals it with the organization's own data key, and mails each
   owner a single-use link that works until the return period (CONTRACT_RETURN_DAYS) ends.
2. `archive_download` opens the archive once, for a signed-in owner holding the link.
3. After the return period, `organization_delete` (run by the scheduled `delete_ended_organizations`)
   destroys the organization's keys first (every encrypted field and the archive are unreadable from
   then on, in backups too), deletes its files and rows, and the accounts of staff who belonged to no
   other organization. What stays is what the operator must keep: one operator-log row stating which
   organization was deleted, when, on which contract end and how many rows went (console.models).
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import shutil
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from console.log import record_operator
from console.models import ContractEnd, OperatorAction
from kernel.audit import Actor, record
from kernel.models import AuditAction
from kernel.registry import registry
from kernel.subjects import row_values
from notify.models import MessageChannel, MessagePurpose
from notify.outbox import deliver_soon, enqueue
from tenancy.errors import TenancyError
from tenancy.keyring import decrypt_bytes, encrypt_bytes, forget_cached_keys
from tenancy.models import Membership, Organization, OrganizationKey, OrganizationStatus
from tenancy.roles import Role
from tenancy.status import stated_reason
from tilli.errors import Conflict

FORMAT = "tilli-organization-archive"
FORMAT_VERSION = 1


def _archive_dir(organization_id: int) -> Path:
    return Path(settings.EXPORT_DIR) / str(organization_id)


def _tenant_registrations():
    """Every registered model whose rows belong to one organization, by label."""
    regs = [reg for reg in registry if any(f.name == "organization" and f.is_relation
                                           for f in reg.model._meta.concrete_fields)]
    return sorted(regs, key=lambda reg: reg.label)


def organization_archive(organization: Organization, *, now=None) -> bytes:
    """Everything the organization keeps, machine-readable: `manifest.json` and `tables/<model>.json`.

    Built from the registry, so a new model is returned without this code knowing it; encrypted fields
    are decrypted (the controller gets its data, not our ciphertext); secrets the registry keeps out of
    every export (token hashes, keys) stay out. The organization's own settings are `organization.json`.
    """
    buffer = io.BytesIO()
    counts: dict[str, int] = {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        own = registry.get(Organization)
        archive.writestr("organization.json", _json(row_values(own, organization)))
        for reg in _tenant_registrations():
            if reg.model is OrganizationKey:
                continue
            queryset = reg.model._default_manager.filter(organization=organization).order_by("pk")
            rows = [row_values(reg, row) for row in queryset.iterator(chunk_size=500)]
            if rows:
                counts[reg.label] = len(rows)
                archive.writestr(f"tables/{reg.label}.json", _json(rows))
        archive.writestr("manifest.json", _json({
            "format": FORMAT, "version": FORMAT_VERSION,
            "generated_at": (now or timezone.now()).isoformat(),
            "organization": {"name": organization.name, "business_id": organization.business_id,
                             "country": organization.country},
            "tables": counts,
        }))
    return buffer.getvalue()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def contract_end(*, organization: Organization, reason: str, actor: Actor) -> tuple[ContractEnd, str]:
    """End the contract now; returns the record and the link's token (only its hash is stored)."""
    reason = stated_reason(reason)
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if locked.status == OrganizationStatus.CONTRACT_ENDED:
        raise Conflict(TenancyError.CONTRACT_ENDED, _("The contract has already ended."))
    now = timezone.now()
    locked.status, locked.status_reason, locked.status_changed_at = OrganizationStatus.CONTRACT_ENDED, reason, now
    locked.save(update_fields=["status", "status_reason", "status_changed_at"])
    token = secrets.token_urlsafe(32)
    ended = ContractEnd(organization=locked, ended_at=now, reason=reason, token_hash=_token_hash(token),
                        return_until=now + timedelta(days=settings.CONTRACT_RETURN_DAYS),
                        archive_name=f"organization-{secrets.token_hex(8)}.zip.sealed")
    content = organization_archive(locked, now=now)
    ended.archive_size = len(content)
    ended.save()
    path = _archive_dir(locked.pk) / ended.archive_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encrypt_bytes(locked.pk, f"contract-archive:{ended.pk}", content))
    record(organization=locked, actor=actor, action=AuditAction.EXPORT, obj=locked, changed_fields=["status"],
           detail={"status": OrganizationStatus.CONTRACT_ENDED, "return_until": ended.return_until.isoformat()})
    record_operator(actor=actor, action=OperatorAction.END_CONTRACT, organization=locked, reason=reason,
                    detail={"return_until": ended.return_until.isoformat(), "archive_size": ended.archive_size})
    _mail_owners(locked, ended, token)
    return ended, token


def _mail_owners(organization: Organization, ended: ContractEnd, token: str) -> None:
    link = settings.SITE_URL.rstrip("/") + reverse("contract_archive", kwargs={"token": token})
    owners = (Membership.objects.for_organization(organization).filter(role=Role.OWNER, is_active=True)
              .exclude(user__email="").select_related("user"))
    for membership in owners:
        language = membership.user.preferred_language or organization.default_language
        with translation.override(language):
            subject = _("Tilli: your data from %(name)s is ready to download") % {"name": organization.name}
            body = "\n".join([
                _("Hello,"), "",
                _("The contract of %(name)s with Tilli has ended. Everything Tilli kept for you is in one archive "
                  "(JSON files, one per kind of record). Sign in as the owner and download it once:")
                % {"name": organization.name}, "", link, "",
                _("The link works once, until %(date)s. After that date the organization and all its data are "
                  "deleted and its encryption keys destroyed; nothing can then be restored.")
                % {"date": date_format(timezone.localtime(ended.return_until), "SHORT_DATE_FORMAT")},
                "", f"-- {settings.OPERATOR_NAME or 'Tilli'}",
            ])
        enqueue(organization=organization, channel=MessageChannel.EMAIL, purpose=MessagePurpose.STAFF,
                kind="contract_archive", recipient=membership.user.email, language=language, subject=subject,
                body=body, dedupe_key=f"contract-archive:{ended.pk}:{membership.pk}", deliver=False)
    deliver_soon()


class ArchiveUnavailable(Conflict):
    def __init__(self) -> None:
        super().__init__(TenancyError.CONTRACT_ENDED,
                         _("This link has been used or has expired, or it is not yours to open."))

    def __reduce__(self):
        return self.__class__, ()


def archive_for(token: str, user) -> ContractEnd:
    """The ended contract this link opens for `user` (an active owner of it), not yet downloaded."""
    ended = (ContractEnd.objects.select_related("organization").filter(token_hash=_token_hash(token),
                                                                        downloaded_at=None).first())
    if (ended is None or ended.return_until <= timezone.now()
            or not Membership.objects.for_organization(ended.organization)
            .filter(user=user, role=Role.OWNER, is_active=True).exists()):
        raise ArchiveUnavailable
    return ended


@transaction.atomic
def archive_download(*, token: str, user, actor: Actor) -> tuple[str, bytes]:
    """Claim the single use of the link and return (file name, archive)."""
    ended = archive_for(token, user)
    claimed = ContractEnd.objects.filter(pk=ended.pk, downloaded_at=None).update(downloaded_at=timezone.now())
    if not claimed:
        raise ArchiveUnavailable
    content = decrypt_bytes(ended.organization_id, f"contract-archive:{ended.pk}",
                            (_archive_dir(ended.organization_id) / ended.archive_name).read_bytes())
    record(organization=ended.organization, actor=actor, action=AuditAction.EXPORT, obj=ended.organization,
           detail={"archive": ended.pk})
    record_operator(actor=actor, action=OperatorAction.ARCHIVE_DOWNLOADED, organization=ended.organization)
    return f"{ended.organization.slug}-archive.zip", content


# --- deletion after the return period ------------------------------------------------------------------------

def _count_rows(organization: Organization) -> dict[str, int]:
    counts = {}
    for reg in _tenant_registrations():
        n = reg.model._default_manager.filter(organization=organization).count()
        if n:
            counts[reg.label] = n
    return counts


@transaction.atomic
def organization_delete(*, organization: Organization, actor: Actor) -> dict[str, int]:
    """Destroy the keys, then delete the files, rows and staff-only accounts; returns the rows deleted.

    Only an organization whose contract ended and whose return period is over is deleted."""
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    ended = ContractEnd.objects.filter(organization=locked).first()
    if locked.status != OrganizationStatus.CONTRACT_ENDED or ended is None or ended.return_until > timezone.now():
        raise Conflict(TenancyError.NOT_ACTIVE, _("The organization is deleted only after its return period."))
    counts = _count_rows(locked)
    record_operator(actor=actor, action=OperatorAction.DELETE, organization=locked, reason=ended.reason,
                    detail={"contract_ended_at": ended.ended_at.isoformat(), "archive_downloaded":
                            ended.downloaded_at is not None, "rows": counts})
    OrganizationKey.objects.filter(organization=locked).delete()  # crypto-shredding first
    forget_cached_keys()
    staff_ids = list(Membership.objects.for_organization(locked).values_list("user_id", flat=True))
    _delete_rows(locked)
    leavers = (get_user_model().objects.filter(pk__in=staff_ids, is_staff=False, is_superuser=False)
               .exclude(memberships__isnull=False))
    leavers.delete()
    organization_id = locked.pk
    transaction.on_commit(lambda: shutil.rmtree(_archive_dir(organization_id), ignore_errors=True))
    return counts


def _protected_targets(model) -> set:
    """The other tables `model` protects (a table protecting its own rows, like a credit receipt its original
    receipt, is handled by `_delete_table`)."""
    return {f.related_model for f in model._meta.concrete_fields
            if f.is_relation and f.remote_field.on_delete is models.PROTECT and f.related_model is not model}


def _delete_table(model, organization: Organization) -> None:
    rows = model._default_manager.filter(organization=organization)
    own = [f.name for f in model._meta.concrete_fields if f.is_relation and f.related_model is model
           and f.remote_field.on_delete is models.PROTECT and f.null]
    if own:  # rows that protect rows of the same table (a credit receipt its original) let go first
        rows.update(**dict.fromkeys(own))
    rows.delete()


def _delete_rows(organization: Organization) -> None:
    """Delete every row of the organization. Tables whose foreign keys PROTECT others' rows (an appointment
    its service, a payment its client) go first, each before the tables it protects; then the
    organization, which cascades to every other tenant table."""
    pending = [reg.model for reg in _tenant_registrations() if _protected_targets(reg.model)]
    while pending:
        model = next(m for m in pending if not any(m in _protected_targets(other) for other in pending))
        _delete_table(model, organization)
        pending.remove(model)
    Organization.objects.filter(pk=organization.pk).delete()


def delete_ended_organizations(now=None) -> dict[str, int]:
    """Policy: an organization whose contract ended is deleted once CONTRACT_RETURN_DAYS have passed.
    Idempotent: a deleted one is gone, and one still in its return period is left alone."""
    now = now or timezone.now()
    due = Organization.objects.filter(status=OrganizationStatus.CONTRACT_ENDED,
                                      pk__in=ContractEnd.objects.filter(return_until__lte=now)
                                      .values("organization_id"))
    deleted = 0
    for organization in due:
        organization_delete(organization=organization, actor=Actor.system("contract return period over"))
        deleted += 1
    return {"deleted": deleted}
