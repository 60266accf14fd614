"""The checked CSV file that waits for its uploader to confirm the import.

It used to wait in the session, in clear, for as long as the session lived (8 hours), though the
page says 30 minutes. It now waits in `PendingImport`: encrypted with the organization's data key
like every other protected value, one per member, deleted when confirmed or cancelled, refused once
`PENDING_MINUTES` have passed, and purged by the scheduler (`purge_pending_imports`) soon after.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from clients.models import ImportKind, PendingImport
from tenancy.models import Membership, Organization

PENDING_MINUTES = 30


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@transaction.atomic
def pending_import_keep(*, organization: Organization, member: Membership, text: str,
                        kind: ImportKind | str = ImportKind.CLIENTS) -> str:
    """Keep the file for the member (replacing any earlier one); returns the digest the next forms carry."""
    digest = _digest(text)
    PendingImport.objects.for_organization(organization).filter(uploaded_by=member).delete()
    PendingImport.objects.create(organization=organization, uploaded_by=member, kind=kind, text=text, digest=digest,
                                 expires_at=timezone.now() + timedelta(minutes=PENDING_MINUTES))
    return digest


def pending_import_read(*, organization: Organization, member: Membership, digest: str | None,
                        kind: ImportKind | str = ImportKind.CLIENTS) -> str | None:
    """The member's waiting file, left waiting, while the owner maps its columns and previews it."""
    pending = PendingImport.objects.for_organization(organization).filter(uploaded_by=member).first()
    if pending is None or pending.digest != digest or pending.kind != kind or pending.expires_at <= timezone.now():
        return None
    return pending.text


@transaction.atomic
def pending_import_take(*, organization: Organization, member: Membership, digest: str | None,
                        kind: ImportKind | str = ImportKind.CLIENTS) -> str | None:
    """The member's waiting file if it is the one confirmed and still in time; gone afterwards either way."""
    pending = (PendingImport.objects.for_organization(organization).select_for_update()
               .filter(uploaded_by=member).first())
    if pending is None:
        return None
    pending.delete()
    if pending.digest != digest or pending.kind != kind or pending.expires_at <= timezone.now():
        return None
    return pending.text


def pending_import_discard(*, organization: Organization, member: Membership) -> None:
    PendingImport.objects.for_organization(organization).filter(uploaded_by=member).delete()


def purge_pending_imports(now: datetime | None = None) -> dict[str, int]:
    """Delete every waiting file past its time, in every organization; idempotent, run every few minutes."""
    deleted, _ = PendingImport.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return {"deleted": deleted}
