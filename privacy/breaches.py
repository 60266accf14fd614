"""The breach register (GDPR Arts. 33-34): incidents, the 72-hour clock, notices to the authority and clients.

Every breach is documented whether or not it is notified (Art. 33(5)). The authority is
notified within 72 hours of the organization becoming aware of it (`noticed_at`), unless it
is unlikely to result in a risk to people; a later notice gives the reasons for the delay.
When the risk is high the people affected are told directly in plain language (Art. 34),
unless one of the grounds of Art. 34(3) applies. Who is affected is found from the audit
log (e.g. every client whose data a given account opened between two times) or by hand.

The breach's own text describes what happened without naming anyone; the affected clients
are linked in BreachSubject, and their names appear only on the owner's breach page.
Each service checks, changes, writes its audit row and schedules side effects in one
transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.audit import Actor, record
from kernel.models import AuditAction, AuditEvent
from kernel.registry import Category
from privacy.errors import BreachError
from privacy.information import authority_for, controller_address
from privacy.models import Breach, BreachRisk, BreachSubject, ClientDecision
from tilli.errors import Conflict

DEADLINE = dt.timedelta(hours=72)
URGENT = dt.timedelta(hours=12)
CLOCK_SLACK = dt.timedelta(minutes=5)  # a form filled in a moment ago is not "in the future"
NOTICE_KIND = "breach_notice"

EDITABLE = ("title", "occurred_at", "noticed_at", "nature", "data_categories", "approx_subjects", "approx_records",
            "consequences", "measures", "risk")


class NoNoticeGround(models.TextChoices):
    """Art. 34(3): when a high-risk breach need not be told to each person."""

    UNINTELLIGIBLE = "a", gettext_lazy("Art. 34(3)(a): the data was unintelligible to anyone not authorised "
                                       "(e.g. encrypted)")
    RISK_REMOVED = "b", gettext_lazy("Art. 34(3)(b): measures taken since ensure the high risk is no longer likely")


# --- the clock ------------------------------------------------------------------------------------------

def deadline(breach: Breach) -> dt.datetime:
    """72 hours from becoming aware of the breach (Art. 33(1))."""
    return breach.noticed_at + DEADLINE


def needs_authority(breach: Breach) -> bool:
    return breach.risk != BreachRisk.UNLIKELY


def awaiting_authority(breach: Breach) -> bool:
    """The clock runs: the authority must be notified and has not been yet."""
    return needs_authority(breach) and breach.authority_notified_at is None and breach.closed_at is None


def is_late(breach: Breach, now: dt.datetime | None = None) -> bool:
    """Notified after the deadline, or not notified and the deadline has passed."""
    if not needs_authority(breach):
        return False
    if breach.authority_notified_at is not None:
        return breach.authority_notified_at > deadline(breach)
    return (now or timezone.now()) > deadline(breach)


def time_left(breach: Breach, now: dt.datetime | None = None) -> dt.timedelta:
    """Until the deadline; negative once it has passed."""
    return deadline(breach) - (now or timezone.now())


def is_urgent(breach: Breach, now: dt.datetime | None = None) -> bool:
    """Under 12 hours left, or late, with the authority still to be notified."""
    return awaiting_authority(breach) and time_left(breach, now) < URGENT


def open_breaches(organization) -> models.QuerySet[Breach]:
    return Breach.objects.for_organization(organization).filter(closed_at=None).order_by("noticed_at")


# --- recording and changing -----------------------------------------------------------------------------

def _clean(data: dict, now: dt.datetime) -> dict:
    errors: dict[str, list[str]] = {}
    data = dict(data)
    for name in ("title", "nature", "consequences", "measures"):
        if name in data:
            data[name] = (data[name] or "").strip()
    if "title" in data and not data["title"]:
        errors["title"] = [_("Describe the breach in a few words.")]
    if "nature" in data and not data["nature"]:
        errors["nature"] = [_("Say what happened.")]
    noticed_at, occurred_at = data.get("noticed_at"), data.get("occurred_at")
    if noticed_at is None and "noticed_at" in data:
        errors["noticed_at"] = [_("Say when the organization became aware of the breach.")]
    elif noticed_at is not None and noticed_at > now + CLOCK_SLACK:
        errors["noticed_at"] = [_("The breach cannot have been noticed in the future.")]
    if occurred_at is not None and noticed_at is not None and occurred_at > noticed_at:
        errors["occurred_at"] = [_("A breach cannot have happened after it was noticed.")]
    if "data_categories" in data:
        categories = list(dict.fromkeys(data["data_categories"] or []))
        if any(c not in Category.values for c in categories):
            errors["data_categories"] = [_("Choose the categories of data from the list.")]
        data["data_categories"] = [c for c in Category.values if c in categories]  # the registry's order
    for name in ("approx_subjects", "approx_records"):
        if name in data and (data[name] is None or data[name] < 0):
            errors[name] = [_("Give an approximate number (0 if not known yet).")]
    if "risk" in data and data["risk"] not in BreachRisk.values:
        errors["risk"] = [_("Choose how likely the breach is to harm people.")]
    if data.get("risk") == BreachRisk.UNLIKELY and "consequences" in data and not data["consequences"]:
        errors["consequences"] = [_("Explain why the breach is unlikely to result in a risk to people: this is the "
                                    "record of the decision not to notify the authority.")]
    if errors:
        raise ValidationError(errors)
    return data


@transaction.atomic
def breach_record(*, organization, actor: Actor, title: str, noticed_at: dt.datetime, nature: str,
                  occurred_at: dt.datetime | None = None, data_categories: Iterable[str] = (),
                  approx_subjects: int = 0, approx_records: int = 0, consequences: str = "", measures: str = "",
                  risk: str = BreachRisk.RISK, now: dt.datetime | None = None) -> Breach:
    """Document a breach as soon as it is known; the 72-hour clock runs from `noticed_at`."""
    data = _clean({"title": title, "noticed_at": noticed_at, "nature": nature, "occurred_at": occurred_at,
                   "data_categories": list(data_categories), "approx_subjects": approx_subjects,
                   "approx_records": approx_records, "consequences": consequences, "measures": measures,
                   "risk": risk}, now or timezone.now())
    breach = Breach.objects.create(organization=organization, recorded_by_user_id=actor.user_id, **data)
    record(organization=organization, actor=actor, action=AuditAction.CREATE, obj=breach,
           changed_fields=[k for k, v in data.items() if v not in (None, "", [], 0)], detail={"risk": breach.risk})
    return breach


@transaction.atomic
def breach_update(*, breach: Breach, actor: Actor, now: dt.datetime | None = None, **changes) -> list[str]:
    """Change what is known (information may come in phases, Art. 33(4)); returns the changed fields."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"breach_update cannot change {sorted(unknown)}")
    current = {name: getattr(breach, name) for name in EDITABLE}
    data = _clean({**current, **changes}, now or timezone.now())
    changed = [name for name in EDITABLE if data[name] != current[name]]
    if not changed:
        return []
    for name in changed:
        setattr(breach, name, data[name])
    breach.save(update_fields=changed)
    record(organization=breach.organization, actor=actor, action=AuditAction.UPDATE, obj=breach,
           changed_fields=changed, detail={"risk": breach.risk})
    return changed


@transaction.atomic
def breach_notify_authority(*, breach: Breach, actor: Actor, at: dt.datetime | None = None, reference: str = "",
                            late_reason: str = "", now: dt.datetime | None = None) -> None:
    """Record that the authority was notified (the draft sent through its own form or service).

    After 72 hours the reasons for the delay are part of the notification (Art. 33(1)).
    """
    now = now or timezone.now()
    at = at or now
    if not needs_authority(breach):
        raise Conflict(BreachError.NOT_NEEDED, _("The breach is recorded as unlikely to result in a risk to people: "
                                                 "the authority need not be notified. Change the risk first if that "
                                                 "is no longer so."))
    if breach.authority_notified_at is not None:
        raise Conflict(BreachError.ALREADY_NOTIFIED, _("The notification to the authority has already been recorded."))
    if at > now + CLOCK_SLACK:
        raise ValidationError({"at": [_("The notification cannot have been sent in the future.")]})
    if at < breach.noticed_at:
        raise ValidationError({"at": [_("The authority cannot have been notified before the breach was noticed.")]})
    late_reason = late_reason.strip()
    if at > deadline(breach) and not late_reason:
        raise ValidationError({"late_reason": [_("More than 72 hours have passed since the breach was noticed: "
                                                 "give the reasons for the delay (Art. 33(1)).")]})
    breach.authority_notified_at, breach.authority_reference = at, reference.strip()[:100]
    breach.late_reason = late_reason
    breach.save(update_fields=["authority_notified_at", "authority_reference", "late_reason"])
    record(organization=breach.organization, actor=actor, action=AuditAction.UPDATE, obj=breach,
           changed_fields=["authority_notified_at", "authority_reference", "late_reason"],
           detail={"late": at > deadline(breach)})


@transaction.atomic
def breach_decide_clients(*, breach: Breach, decision: str, reason: str, actor: Actor, ground: str = "") -> None:
    """Decide whether the clients are told (Art. 34).

    When the risk is high, not telling them needs one of the grounds of Art. 34(3)(a)-(b) and
    an explanation; a public notice instead (34(3)(c), disproportionate effort) needs reasons too.
    """
    if decision not in ClientDecision.values or decision == ClientDecision.UNDECIDED:
        raise ValidationError({"decision": [_("Choose whether and how the clients are told.")]})
    reason = reason.strip()
    if decision == ClientDecision.NOT_NEEDED and breach.risk == BreachRisk.HIGH:
        if ground not in NoNoticeGround.values:
            raise ValidationError({"ground": [_("The risk is high: name the ground of Art. 34(3) on which the "
                                                "clients need not be told.")]})
        if not reason:
            raise ValidationError({"reason": [_("Explain how the ground applies to this breach.")]})
        reason = f"{NoNoticeGround(ground).label} — {reason}"
    elif decision == ClientDecision.PUBLIC and not reason:
        raise ValidationError({"reason": [_("Explain why telling each client would take disproportionate effort "
                                            "(Art. 34(3)(c)) and where the public notice is published.")]})
    breach.client_decision, breach.client_decision_reason = decision, reason
    breach.save(update_fields=["client_decision", "client_decision_reason"])
    record(organization=breach.organization, actor=actor, action=AuditAction.UPDATE, obj=breach,
           changed_fields=["client_decision", "client_decision_reason"], detail={"decision": decision})


@transaction.atomic
def breach_close(*, breach: Breach, actor: Actor, now: dt.datetime | None = None) -> None:
    """Close the breach once the authority and the clients have been dealt with; it stays in the register."""
    if breach.closed_at is not None:
        raise Conflict(BreachError.CLOSED, _("The breach is already closed."))
    if needs_authority(breach) and breach.authority_notified_at is None:
        raise Conflict(BreachError.AUTHORITY_FIRST, _("First notify the authority, or record why the breach is "
                                                      "unlikely to result in a risk."))
    if breach.risk == BreachRisk.HIGH and not breach.client_decision:
        raise Conflict(BreachError.DECIDE_CLIENTS_FIRST, _("First decide whether the clients are told."))
    breach.closed_at = now or timezone.now()
    breach.save(update_fields=["closed_at"])
    record(organization=breach.organization, actor=actor, action=AuditAction.UPDATE, obj=breach,
           changed_fields=["closed_at"])


# --- who is affected ------------------------------------------------------------------------------------

def _add_subjects(breach: Breach, refs: Iterable, found_by: dict) -> int:
    from clients.models import Client

    refs = set(refs)
    if not refs:
        return 0
    clients = {c.subject_ref: c for c in Client.objects.filter(organization_id=breach.organization_id,
                                                               subject_ref__in=refs)}
    known = set(breach.subjects.filter(subject_ref__in=list(clients)).values_list("subject_ref", flat=True))
    rows = [BreachSubject(organization_id=breach.organization_id, breach=breach, subject_ref=ref,
                          client=client if client.erased_at is None else None, found_by=found_by)
            for ref, client in clients.items() if ref not in known]
    BreachSubject.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def audit_matches(organization, *, start: dt.datetime, end: dt.datetime, user_id: int | None = None,
                  action: str | None = None) -> models.QuerySet[AuditEvent]:
    """Audit events about a client in [start, end), optionally by one account and of one action."""
    events = AuditEvent.objects.for_organization(organization).filter(
        created_at__gte=start, created_at__lt=end, subject_ref__isnull=False)
    if user_id is not None:
        events = events.filter(actor_user_id=user_id)
    if action:
        events = events.filter(action=action)
    return events


@transaction.atomic
def select_subjects_from_audit(*, breach: Breach, actor: Actor, start: dt.datetime, end: dt.datetime,
                               user_id: int | None = None, action: str | None = None) -> int:
    """Add every client whose audit events match (e.g. all a lost laptop's account opened); returns how many
    were added. The selection is described without naming anyone: account number, action, time window."""
    from tenancy.models import Membership

    if start >= end:
        raise ValidationError({"end": [_("The end of the time range must be after its start.")]})
    if action and action not in AuditAction.values:
        raise ValidationError({"action": [_("Choose an action from the list.")]})
    if user_id is not None and not Membership.objects.filter(organization=breach.organization,
                                                             user_id=user_id).exists():
        raise ValidationError({"user": [_("Choose a staff member of this organization.")]})
    refs = (audit_matches(breach.organization, start=start, end=end, user_id=user_id, action=action)
            .values_list("subject_ref", flat=True).distinct())
    found_by = {"by": "audit_log", "user_id": user_id, "action": action or "", "start": start.isoformat(),
                "end": end.isoformat()}
    added = _add_subjects(breach, refs, found_by)
    record(organization=breach.organization, actor=actor, action=AuditAction.UPDATE, obj=breach,
           changed_fields=["subjects"], detail={"selected_from_audit": added})
    return added


@transaction.atomic
def breach_subject_add(*, breach: Breach, client, actor: Actor) -> bool:
    """Add one client by hand; False if they were already listed."""
    if client.organization_id != breach.organization_id or client.erased_at is not None:
        raise ValidationError({"client": [_("Choose a client of this organization.")]})
    added = _add_subjects(breach, [client.subject_ref], {"by": "hand"})
    if added:
        record(organization=breach.organization, actor=actor, action=AuditAction.UPDATE, obj=breach,
               subject_ref=client.subject_ref, changed_fields=["subjects"], detail={"added_by_hand": 1})
    return bool(added)


@transaction.atomic
def breach_subject_remove(*, subject: BreachSubject, actor: Actor) -> None:
    """Take a client off the list (found not to be affected); not once they have been told."""
    if subject.notified_at is not None:
        raise Conflict(BreachError.CLIENT_TOLD, _("The client has already been told about the breach."))
    breach = subject.breach
    ref = subject.subject_ref
    subject.delete()
    record(organization=breach.organization, actor=actor, action=AuditAction.UPDATE, obj=breach,
           subject_ref=ref, changed_fields=["subjects"], detail={"removed": 1})


# --- what is written to the authority and to the clients ---------------------------------------------------

def _when(moment: dt.datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return _("not known")
    return formats.date_format(timezone.localtime(moment, zone), "DATETIME_FORMAT") + f" ({zone.key})"


def _contact_lines(organization) -> list[str]:
    """Art. 33(3)(b): where more information is obtained."""
    lines = []
    contact = ", ".join(p for p in (organization.privacy_contact_name, organization.privacy_contact_email,
                                    organization.privacy_contact_phone) if p)
    lines.append(_("Privacy contact: %(contact)s") % {"contact": contact or _("not set")})
    if organization.dpo_name or organization.dpo_email:
        dpo = ", ".join(p for p in (organization.dpo_name, organization.dpo_email) if p)
        lines.append(_("Data protection officer: %(dpo)s") % {"dpo": dpo})
    else:
        lines.append(_("Data protection officer: none appointed"))
    return lines


def _categories(breach: Breach) -> str:
    return ", ".join(str(Category(c).label) for c in breach.data_categories if c in Category.values) or _("not known")


def authority_draft(breach: Breach, language: str, now: dt.datetime | None = None) -> str:
    """The notification to the supervisory authority with every element of Art. 33(3), as plain text.

    No client is named: the numbers are approximate counts, as Art. 33(3)(a) asks.
    """
    now = now or timezone.now()
    organization = breach.organization
    authority = authority_for(organization.country)
    zone = ZoneInfo(organization.time_zone)
    identified = breach.subjects.count()
    with translation.override(language):
        address = controller_address(organization)
        lines = [
            _("To: %(authority)s") % {"authority": authority.name},
            authority.address,
            authority.url,
            "",
            _("Notification of a personal data breach (GDPR Art. 33)"),
            "",
            _("Controller: %(name)s, business ID %(business_id)s") % {"name": organization.name,
                                                                        "business_id": organization.business_id},
        ]
        if address:
            lines.append(_("Address: %(address)s") % {"address": address})
        lines += [
            "",
            _("1. Time line"),
            _("The breach happened: %(when)s") % {"when": _when(breach.occurred_at, zone)},
            _("We became aware of it: %(when)s") % {"when": _when(breach.noticed_at, zone)},
            _("Notified to the authority: %(when)s") % {
                "when": _when(breach.authority_notified_at, zone) if breach.authority_notified_at
                else _("with this notification")},
        ]
        if breach.authority_reference:
            lines.append(_("The authority's reference: %(reference)s") % {"reference": breach.authority_reference})
        if is_late(breach, now):
            lines.append(_("Reasons for notifying after 72 hours: %(reasons)s") % {
                "reasons": breach.late_reason or _("[to be given before sending]")})
        lines += [
            "",
            _("2. Nature of the breach (Art. 33(3)(a))"),
            breach.title,
            breach.nature,
            _("Categories of personal data: %(categories)s") % {"categories": _categories(breach)},
            _("Categories of people: clients of the controller"),
            _("People affected (approximately): %(count)s") % {"count": breach.approx_subjects},
            _("Records affected (approximately): %(count)s") % {"count": breach.approx_records},
        ]
        if identified:
            lines.append(_("Of them identified so far by name: %(count)s") % {"count": identified})
        lines += [
            "",
            _("3. Contact point for more information (Art. 33(3)(b))"),
            *_contact_lines(organization),
            "",
            _("4. Likely consequences (Art. 33(3)(c))"),
            breach.consequences or _("Being assessed; will follow (Art. 33(4))."),
            "",
            _("5. Measures taken or proposed, including to mitigate possible adverse effects (Art. 33(3)(d))"),
            breach.measures or _("Being decided; will follow (Art. 33(4))."),
            "",
            _("6. Telling the people affected (Art. 34)"),
            _("Risk to people: %(risk)s") % {"risk": breach.get_risk_display()},
            _("Decision: %(decision)s") % {"decision": breach.get_client_decision_display()},
        ]
        if breach.client_decision_reason:
            lines.append(breach.client_decision_reason)
    return "\n".join(lines).strip() + "\n"


def client_notice(breach: Breach, message_text: str, language: str) -> tuple[str, str]:
    """(subject, body) of the notice to an affected client, in plain language with Art. 33(3)(b)-(d)."""
    organization = breach.organization
    authority = authority_for(organization.country)
    with translation.override(language):
        subject = _("Important: a personal data breach at %(organization)s") % {"organization": organization.name}
        lines = [
            _("We are writing to tell you about a personal data breach at %(organization)s that concerns your "
              "data.") % {"organization": organization.name},
            "",
            message_text.strip(),
            "",
            _("What may follow for you"),
            breach.consequences or _("We are still assessing it and will tell you if we learn more."),
            "",
            _("What we have done and what we will do"),
            breach.measures or _("We are still deciding and will tell you if we learn more."),
            "",
            _("Who to ask"),
            *_contact_lines(organization),
            "",
            _("You may also complain to the supervisory authority: %(authority)s, %(address)s, %(url)s") % {
                "authority": authority.name, "address": authority.address, "url": authority.url},
            "",
            organization.name,
        ]
    return subject, "\n".join(lines).strip() + "\n"


@dataclass
class NoticeResult:
    told: int = 0
    no_address: list[BreachSubject] = field(default_factory=list)
    already_told: int = 0


@transaction.atomic
def breach_notify_clients(*, breach: Breach, actor: Actor, message_text: str,
                          now: dt.datetime | None = None) -> NoticeResult:
    """Queue one email per affected client with an address, in the client's language (Art. 34).

    A restricted client is told too: this is a legal notice, not marketing. Clients without an
    email address are returned for a public notice (Art. 34(3)(c)). Running it again tells only
    those not told yet (each notice has its own dedupe key in the outbox).
    """
    from notify.models import MessageChannel, MessagePurpose
    from notify.outbox import deliver_soon, enqueue
    from notify.services import client_language

    now = now or timezone.now()
    if breach.client_decision != ClientDecision.INFORM:
        raise Conflict(BreachError.NOT_DECIDED, _("First decide to tell each affected client directly."))
    if not message_text.strip():
        raise ValidationError({"message_text": [_("Write what happened in plain language.")]})
    result = NoticeResult()
    told: list[int] = []
    for subject in breach.subjects.select_related("client").order_by("pk").select_for_update(of=("self",)):
        client = subject.client
        if subject.notified_at is not None:
            result.already_told += 1
            continue
        if client is None or client.erased_at is not None or not client.email:
            result.no_address.append(subject)
            continue
        language = client_language(client)
        title, body = client_notice(breach, message_text, language)
        enqueue(organization=breach.organization, client=client, channel=MessageChannel.EMAIL,
                purpose=MessagePurpose.BREACH, kind=NOTICE_KIND, recipient=client.email, language=language,
                subject=title, body=body, dedupe_key=f"breach:{breach.pk}:{subject.subject_ref}", send_at=now,
                deliver=False)
        told.append(subject.pk)
    BreachSubject.objects.filter(pk__in=told).update(notified_at=now)
    result.told = len(told)
    record(organization=breach.organization, actor=actor, action=AuditAction.UPDATE, obj=breach,
           changed_fields=["subjects.notified_at"],
           detail={"told": result.told, "no_address": len(result.no_address)})
    if told:
        deliver_soon()
    return result


def without_address(breach: Breach) -> list[BreachSubject]:
    """Affected clients who cannot be emailed: the public notice is for them."""
    return [s for s in breach.subjects.select_related("client").order_by("pk")
            if s.notified_at is None and (s.client is None or s.client.erased_at is not None or not s.client.email)]
