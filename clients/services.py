"""Writes to the customer register: one function per action, each audited in its transaction.

Audit rows name the fields that changed, never their values; special-category content
and national IDs appear in no audit row, log or error message.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.errors import ClientError
from clients.events import (
    ClientChanged,
    ClientCreated,
    ClientProcessingRestricted,
    ClientRestrictionLifted,
    ConsentChanged,
)
from clients.merging import PossibleDuplicate, possible_duplicates
from clients.models import (
    Channel,
    Client,
    ClientKind,
    ClientRecord,
    ClientSource,
    MarketingConsent,
    SpecialCategoryApproval,
    Visit,
)
from clients.normalise import search_text
from clients.permissions import ensure_can_write_records
from clients.validation import clean_client_data
from kernel.audit import Actor, record
from kernel.events import publish
from kernel.models import AuditAction
from tenancy.models import Membership, Organization
from tilli.errors import Conflict

MARKETING_WORDING_VERSION = "marketing-2026-11"
SPECIAL_WORDING_VERSION = "special-2026-11"


def set_search_names(client: Client) -> None:
    """'last first' and 'first last', so a prefix of either name finds the client."""
    if client.kind == ClientKind.COMPANY:
        client.search_name = client.search_name_alt = search_text(client.company_name)
    else:
        client.search_name = search_text(f"{client.last_name} {client.first_name}")
        client.search_name_alt = search_text(f"{client.first_name} {client.last_name}")


def _audit(client: Client, actor: Actor, action: str, **kwargs) -> None:
    record(organization=client.organization, actor=actor, action=action, obj=client,
           subject_ref=client.subject_ref, **kwargs)


@transaction.atomic
def client_create(*, organization: Organization, actor: Actor, kind: str = ClientKind.PERSON,
                  source: str = ClientSource.STAFF, company: Client | None = None, allow_duplicate: bool = True,
                  **data: Any) -> Client:
    """A new client. With `allow_duplicate=False` (the panel's form, until the person confirms) a person with
    the same name and phone as a client already in the register is refused with PossibleDuplicate, which
    names the existing clients so the form can offer them instead."""
    cleaned = clean_client_data(organization, data, kind=kind)
    if not allow_duplicate and kind == ClientKind.PERSON:
        existing = list(possible_duplicates(organization, first_name=cleaned.get("first_name", ""),
                                            last_name=cleaned.get("last_name", ""), phone=cleaned.get("phone", "")))
        if existing:
            raise PossibleDuplicate(existing)
    if kind == ClientKind.PERSON and not (cleaned.get("first_name") or cleaned.get("last_name")):
        raise ValidationError({"last_name": [_("Enter a name.")]})
    if kind == ClientKind.COMPANY and not cleaned.get("company_name"):
        raise ValidationError({"company_name": [_("Enter the company's name.")]})
    if company is not None and (company.organization_id != organization.pk or company.kind != ClientKind.COMPANY):
        raise ValidationError({"company": [_("Choose a company of this organization.")]})
    client = Client(organization=organization, kind=kind, source=source, company=company,
                    created_by_user_id=actor.user_id, **cleaned)
    set_search_names(client)
    client.save()
    _audit(client, actor, AuditAction.CREATE, changed_fields=[k for k, v in cleaned.items() if v not in ("", None)])
    publish(ClientCreated(organization_id=organization.pk, client_id=client.pk, source=source))
    return client


class ClientRestricted(Conflict):
    def __init__(self) -> None:
        super().__init__(ClientError.RESTRICTED, _("This client's data is restricted: it is stored but may not be "
                                                   "changed or used. Lift the restriction first."))

    def __reduce__(self):
        return self.__class__, ()


def ensure_not_restricted(client: Client) -> None:
    """Refuse any use of a restricted client's data other than storing it (GDPR Art. 18)."""
    if client.is_restricted:
        raise ClientRestricted


@transaction.atomic
def client_update(*, client: Client, actor: Actor, **data: Any) -> list[str]:
    """Apply validated changes; returns the names of the fields that really changed."""
    ensure_not_restricted(client)
    cleaned = clean_client_data(client.organization, data, kind=client.kind)
    changed = [name for name, value in cleaned.items() if getattr(client, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(client, name, cleaned[name])
    set_search_names(client)
    fields = [*changed, "search_name", "search_name_alt", "updated_at"]
    if "national_id" in changed:
        fields.append("national_id_index")
    client.save(update_fields=fields)
    _audit(client, actor, AuditAction.UPDATE, changed_fields=changed)
    _publish_changed(client, changed)
    return changed


def _publish_changed(client: Client, fields: list[str]) -> None:
    publish(ClientChanged(organization_id=client.organization_id, client_id=client.pk, fields=tuple(fields)))


def client_reveal_national_id(*, client: Client, actor: Actor) -> str:
    """Show the full national ID once, deliberately; the reveal is audited."""
    with transaction.atomic():
        _audit(client, actor, AuditAction.REVEAL, changed_fields=["national_id"])
    return client.national_id


def _latest(model, client: Client, **filters):
    return (model.objects.for_organization(client.organization).filter(client=client, **filters)
            .order_by("-recorded_at", "-pk").first())


def marketing_allowed(client: Client, channel: str) -> bool:
    """A channel is allowed only by a grant in force, and never to a restricted client or one who objected."""
    if client.is_restricted or client.marketing_objection_at is not None:
        return False
    latest = _latest(MarketingConsent, client, channel=channel)
    return bool(latest and latest.granted)


@transaction.atomic
def marketing_consent_set(*, client: Client, channel: str, granted: bool, source: str, actor: Actor,
                          wording_version: str = MARKETING_WORDING_VERSION) -> MarketingConsent | None:
    """Record a grant or withdrawal of one channel; recording the state already in force is a no-op."""
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("Choose email or SMS.")]})
    if granted:
        ensure_not_restricted(client)
    latest = _latest(MarketingConsent, client, channel=channel)
    if latest is not None and latest.granted == granted:
        return None
    consent = MarketingConsent.objects.create(organization=client.organization, client=client, channel=channel,
                                              granted=granted, source=source, wording_version=wording_version,
                                              recorded_by_user_id=actor.user_id)
    if granted and client.marketing_objection_at is not None:
        client.marketing_objection_at = None  # the client's own new grant ends their objection
        Client.objects.filter(pk=client.pk).update(marketing_objection_at=None)
    _audit(client, actor, AuditAction.GRANT if granted else AuditAction.REVOKE, changed_fields=[f"marketing_{channel}"],
           detail={"channel": channel})
    publish(ConsentChanged(organization_id=client.organization_id, client_id=client.pk,
                           consent=f"marketing_{channel}", granted=granted))
    return consent


def special_records_approved(client: Client) -> bool:
    latest = _latest(SpecialCategoryApproval, client)
    return bool(latest and latest.granted)


@transaction.atomic
def special_approval_set(*, client: Client, granted: bool, source: str, actor: Actor,
                         wording_version: str = SPECIAL_WORDING_VERSION) -> SpecialCategoryApproval:
    approval = SpecialCategoryApproval.objects.create(
        organization=client.organization, client=client, granted=granted, source=source,
        wording_version=wording_version, recorded_by_user_id=actor.user_id)
    _audit(client, actor, AuditAction.GRANT if granted else AuditAction.REVOKE,
           changed_fields=["special_category_approval"])
    publish(ConsentChanged(organization_id=client.organization_id, client_id=client.pk,
                           consent="special_category", granted=granted))
    return approval


class ApprovalMissing(Conflict):
    def __init__(self) -> None:
        super().__init__(ClientError.APPROVAL_MISSING,
                         _("Record the client's approval before storing health or other sensitive information."))

    def __reduce__(self):
        return self.__class__, ()


@transaction.atomic
def record_create(*, client: Client, kind: str, body: str, author: Membership, actor: Actor) -> ClientRecord:
    """Store a special-category entry by a member who treats the client (see clients.permissions),
    only after the client's approval is on record."""
    ensure_can_write_records(author, client)
    ensure_not_restricted(client)
    if not special_records_approved(client):
        raise ApprovalMissing
    if not body.strip():
        raise ValidationError({"body": [_("Write the entry.")]})
    entry = ClientRecord.objects.create(organization=client.organization, client=client, kind=kind, body=body,
                                        author=author)
    record(organization=client.organization, actor=actor, action=AuditAction.CREATE, obj=entry,
           subject_ref=client.subject_ref, changed_fields=["body", "kind"])
    return entry


@transaction.atomic
def visit_create(*, client: Client, actor: Actor, **data: Any) -> Visit:
    ensure_not_restricted(client)
    visit = Visit(organization=client.organization, client=client, **data)
    visit.full_clean(exclude=["organization", "client"])
    visit.save()
    record(organization=client.organization, actor=actor, action=AuditAction.CREATE, obj=visit,
           subject_ref=client.subject_ref, changed_fields=[k for k, v in data.items() if v not in ("", None)])
    return visit


@transaction.atomic
def client_restrict(*, client: Client, actor: Actor, reason: str) -> None:
    """Restrict processing (Art. 18): kept, but no edits, reminders, marketing or new bookings."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why processing is restricted, e.g. the client contests "
                                             "the accuracy of the data.")]})
    if client.restricted_at is not None:
        return
    client.restricted_at, client.restriction_reason = timezone.now(), reason[:300]
    Client.objects.filter(pk=client.pk).update(restricted_at=client.restricted_at,
                                               restriction_reason=client.restriction_reason)
    _audit(client, actor, AuditAction.UPDATE, changed_fields=["restricted_at", "restriction_reason"])
    publish(ClientProcessingRestricted(organization_id=client.organization_id, client_id=client.pk))


@transaction.atomic
def client_lift_restriction(*, client: Client, actor: Actor) -> None:
    if client.restricted_at is None:
        return
    client.restricted_at, client.restriction_reason = None, ""
    Client.objects.filter(pk=client.pk).update(restricted_at=None, restriction_reason="")
    _audit(client, actor, AuditAction.UPDATE, changed_fields=["restricted_at", "restriction_reason"])
    publish(ClientRestrictionLifted(organization_id=client.organization_id, client_id=client.pk))


@transaction.atomic
def client_object_to_marketing(*, client: Client, actor: Actor, source: str) -> None:
    """An objection to direct marketing (Art. 21(3)) withdraws every channel at once.

    It stays in force until the client grants a channel again themselves.
    """
    for channel in Channel.values:
        marketing_consent_set(client=client, channel=channel, granted=False, source=source, actor=actor)
    if client.marketing_objection_at is None:
        client.marketing_objection_at = timezone.now()
        Client.objects.filter(pk=client.pk).update(marketing_objection_at=client.marketing_objection_at)
        _audit(client, actor, AuditAction.UPDATE, changed_fields=["marketing_objection_at"])
        _publish_changed(client, ["marketing_objection_at"])


@transaction.atomic
def client_set_reminder_choices(*, client: Client, actor: Actor, by_email: bool, by_sms: bool) -> list[str]:
    """The client's own choice of booking reminders per channel, recorded by staff or in the portal.

    Returns the names of the choices that changed (audited by name, not value). Queued reminders of
    upcoming appointments are brought in step by notify on the published event; delivery checks again anyway.
    """
    ensure_not_restricted(client)
    wanted = {"reminders_by_email": bool(by_email), "reminders_by_sms": bool(by_sms)}
    changed = [name for name, value in wanted.items() if getattr(client, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(client, name, wanted[name])
    client.save(update_fields=[*changed, "updated_at"])
    _audit(client, actor, AuditAction.UPDATE, changed_fields=changed)
    _publish_changed(client, changed)  # notify re-plans the queued reminders in the worker
    return changed
