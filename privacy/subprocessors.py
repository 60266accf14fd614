"""The operator's sub-processors: adding, changing and removing one, each announced to every owner.

GDPR Art. 28(2): a processor engaging another processor informs the controller of any intended
addition or replacement, giving the controller the opportunity to object. Each organization
(the controller) is told through its owners, by email through the outbox (purpose STAFF, no
client), with what changed and how to object. The operator's console, the `seed_subprocessors` command
and anything else change the list only through these functions, so no change goes unannounced, and each
change is written to the operator log with who made it.

A removed sub-processor keeps its row with `removed_at` set: published notices and processing
agreements that named it stay explainable. Demo organizations are not written to.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from console.log import record_operator
from console.models import OperatorAction
from kernel.audit import Actor
from privacy.models import SubProcessor

DESCRIBED = ["name", "address", "country", "purpose", "location", "data_categories"]
FIELDS = [*DESCRIBED, "position"]


@dataclass
class Change:
    kind: str  # "added", "changed" or "removed"
    subprocessor: SubProcessor
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> (before, after)


@transaction.atomic
def subprocessor_add(*, name: str, address: str, country: str, purpose: str, location: str, data_categories: str,
                     actor: Actor, position: int = 0) -> SubProcessor:
    subprocessor = SubProcessor(name=name, address=address, country=country.upper(), purpose=purpose,
                                location=location, data_categories=data_categories, position=position)
    subprocessor.full_clean()
    subprocessor.save()
    record_operator(actor=actor, action=OperatorAction.ADD_SUBPROCESSOR, detail={"subprocessor": subprocessor.pk,
                                                                                 "name": subprocessor.name})
    announce(Change("added", subprocessor))
    return subprocessor


@transaction.atomic
def subprocessor_update(*, subprocessor: SubProcessor, actor: Actor, **values) -> list[str]:
    """Change the given fields; announces the change unless only the list order moved. Returns the changed fields."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"not a sub-processor field: {sorted(unknown)}")
    if "country" in values:
        values["country"] = values["country"].upper()
    changes = {name: (str(getattr(subprocessor, name)), str(value)) for name, value in values.items()
               if getattr(subprocessor, name) != value}
    if not changes:
        return []
    for name, value in values.items():
        setattr(subprocessor, name, value)
    subprocessor.full_clean()
    subprocessor.save(update_fields=list(changes))
    record_operator(actor=actor, action=OperatorAction.CHANGE_SUBPROCESSOR,
                    detail={"subprocessor": subprocessor.pk, "name": subprocessor.name, "fields": sorted(changes)})
    described = {name: change for name, change in changes.items() if name in DESCRIBED}
    if described:
        announce(Change("changed", subprocessor, described))
    return list(changes)


@transaction.atomic
def subprocessor_remove(*, subprocessor: SubProcessor, actor: Actor) -> None:
    if subprocessor.removed_at is not None:
        return
    subprocessor.removed_at = timezone.now()
    subprocessor.save(update_fields=["removed_at"])
    record_operator(actor=actor, action=OperatorAction.REMOVE_SUBPROCESSOR,
                    detail={"subprocessor": subprocessor.pk, "name": subprocessor.name})
    announce(Change("removed", subprocessor))


# --- the announcement ------------------------------------------------------------------------------------

def _labels() -> dict[str, str]:
    return {name: str(SubProcessor._meta.get_field(name).verbose_name) for name in DESCRIBED}


def _describe(subprocessor: SubProcessor) -> list[str]:
    labels = _labels()
    return [f"  {labels[name]}: {getattr(subprocessor, name)}" for name in DESCRIBED]


def announcement_text(change: Change, organization) -> tuple[str, str]:
    """Subject and body in the active language."""
    operator = settings.OPERATOR_NAME or "Tilli"
    subprocessor = change.subprocessor
    if change.kind == "added":
        subject = _("Tilli: a new sub-processor, %(name)s") % {"name": subprocessor.name}
        what = [_("%(operator)s has engaged a new sub-processor that processes personal data of %(organization)s's "
                  "clients:") % {"operator": operator, "organization": organization.name}, "",
                *_describe(subprocessor)]
    elif change.kind == "changed":
        subject = _("Tilli: a change in the sub-processor %(name)s") % {"name": subprocessor.name}
        labels = _labels()
        what = [_("%(operator)s changed what it has agreed with the sub-processor %(name)s:")
                % {"operator": operator, "name": subprocessor.name}, ""]
        what += [_("  %(field)s: was \"%(before)s\", is now \"%(after)s\"")
                 % {"field": labels[name], "before": before, "after": after}
                 for name, (before, after) in change.changes.items()]
    else:
        subject = _("Tilli: %(name)s is no longer a sub-processor") % {"name": subprocessor.name}
        what = [_("%(operator)s no longer uses %(name)s (%(purpose)s) to process personal data of your clients.")
                % {"operator": operator, "name": subprocessor.name, "purpose": subprocessor.purpose}]
    contact = settings.OPERATOR_EMAIL or settings.DEFAULT_FROM_EMAIL
    body = "\n".join([
        _("Hello,"), "",
        *what, "",
        _("You have the right to object to this change (GDPR Article 28(2)). To object, reply to this message or "
          "write to %(contact)s within 30 days, with your reasons.") % {"contact": contact},
        _("The current list of sub-processors is in your processing agreement and privacy notice in the Tilli "
          "panel; the notice your clients see is updated when you publish it again."),
        "", f"-- {operator}",
    ])
    return subject, body


def announce(change: Change) -> list[int]:
    """Queue the announcement to each active owner of every organization; the worker sends it after the commit."""
    from notify.models import MessageChannel, MessagePurpose
    from notify.outbox import deliver_soon, enqueue
    from tenancy.models import Membership
    from tenancy.roles import Role

    change_id = uuid.uuid4().hex[:16]
    ids = []
    owners = (Membership.objects.filter(role=Role.OWNER, is_active=True, organization__is_demo=False)
              .exclude(user__email="").select_related("organization", "user").order_by("organization_id", "pk"))
    for membership in owners:
        organization = membership.organization
        language = membership.user.preferred_language or organization.default_language
        with translation.override(language):
            subject, body = announcement_text(change, organization)
        message = enqueue(organization=organization, client=None, channel=MessageChannel.EMAIL,
                          purpose=MessagePurpose.STAFF, kind=f"subprocessor_{change.kind}",
                          recipient=membership.user.email, language=language, subject=subject, body=body,
                          reply_to=settings.OPERATOR_EMAIL or None,
                          dedupe_key=f"subprocessor:{change_id}:{membership.pk}", send_at=timezone.now(),
                          deliver=False)
        if message is not None:
            ids.append(message.pk)
    if ids:
        deliver_soon()
    return ids
