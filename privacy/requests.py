"""Data-subject requests: deadlines (GDPR Art. 12(3)), identity checks, extensions, refusals, answers.

The due date is one calendar month from receipt (the same day number, or the month's
last day when the next month is shorter), extendable once by up to two further months
with reasons told to the client before the first month ends. Nothing is disclosed or
changed before the client's identity is verified. A refusal gives reasons and names the
supervisory authority of the organization's country (Art. 12(4)).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kernel.audit import Actor, record
from kernel.events import publish
from kernel.models import AuditAction
from privacy.errors import RequestError
from privacy.events import PrivacyRequestAnswered, PrivacyRequestReceived
from privacy.information import authority_for
from privacy.models import (
    FULL_LISTING_KINDS,
    REQUEST_TRANSITIONS,
    DataExport,
    DataSubjectRequest,
    ExportStatus,
    IdentityMethod,
    LimitDecision,
    RequestChannel,
    RequestKind,
    RequestStatus,
    RequestTransition,
)
from tilli.errors import Conflict, Invalid

MAX_EXTENSION_MONTHS = 2
# When a request arrived: at most a little in the future (clocks differ), at most a year back. A year
# is as far as the yearly limit on copies looks (`full_listings_in_year`), so a late-recorded letter
# still counts; anything older is past even an extended deadline and is a mistake (`0` is 1970).
RECEIVED_CLOCK_SKEW = dt.timedelta(minutes=5)
RECEIVED_MAX_AGE = dt.timedelta(days=365)
# What staff may say about how a request arrived and how the identity was checked. `portal` is only
# ever set by the portal itself, for the signed-in client: a staff member sending it would mark a
# request identity-verified without the check that needs MANAGE_REQUESTS.
STAFF_CHANNELS = tuple(c for c in RequestChannel if c != RequestChannel.PORTAL)
STAFF_IDENTITY_METHODS = tuple(m for m in IdentityMethod if m != IdentityMethod.PORTAL)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the last day of that month if it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _local_day(moment: dt.datetime, organization) -> dt.date:
    return timezone.localtime(moment, timezone=_zone(organization)).date()


def _zone(organization):
    from zoneinfo import ZoneInfo

    return ZoneInfo(organization.time_zone)


def _audit(req: DataSubjectRequest, actor: Actor, action: str, fields: list[str]) -> None:
    record(organization=req.organization, actor=actor, action=action, obj=req, subject_ref=req.subject_ref,
           changed_fields=fields, detail={"request": req.kind})


def _received_at(value: dt.datetime | None, organization, now: dt.datetime) -> dt.datetime:
    """When the request arrived, within the sane range; a time without a zone is the organization's local time."""
    if value is None:
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value, _zone(organization))
    if value > now + RECEIVED_CLOCK_SKEW:
        raise ValidationError({"received_at": [_("The request cannot have arrived in the future.")]})
    if value < now - RECEIVED_MAX_AGE:
        raise ValidationError({"received_at": [_("The request cannot have arrived more than a year ago. "
                                                 "Check the date.")]})
    return value


def _check_channel(channel: str, actor: Actor) -> None:
    if channel not in RequestChannel.values:
        raise ValidationError({"channel": [_("Choose how the request arrived.")]})
    if channel == RequestChannel.PORTAL and actor.is_staff:
        raise ValidationError({"channel": [_("Only the client's own portal records requests made there. "
                                             "Choose how the request reached you.")]})


def full_listings_in_year(client, before: dt.datetime) -> int:
    """Access and copy requests of the client in the 12 months before `before` that were not refused."""
    return (DataSubjectRequest.objects.filter(organization=client.organization, client=client,
                                              kind__in=FULL_LISTING_KINDS,
                                              received_at__gt=before - dt.timedelta(days=365), received_at__lte=before)
            .exclude(status=RequestStatus.REFUSED).count())


@transaction.atomic
def request_create(*, organization, kind: str, channel: str, actor: Actor, client=None, details: str = "",
                   received_at: dt.datetime | None = None) -> DataSubjectRequest:
    """Record a request as it arrived. From the portal the client is signed in, so identity is verified;
    staff (panel or API) record the other channels only."""
    if kind not in RequestKind.values:
        raise ValidationError({"kind": [_("Choose what the client asks for.")]})
    _check_channel(channel, actor)
    if client is not None and (client.organization_id != organization.pk or client.erased_at is not None):
        raise ValidationError({"client": [_("Choose a client of this organization.")]})
    now = timezone.now()
    received_at = _received_at(received_at, organization, now)
    req = DataSubjectRequest(organization=organization, client=client,
                             subject_ref=client.subject_ref if client else None, kind=kind, channel=channel,
                             details=details.strip(), received_at=received_at,
                             due_at=add_months(_local_day(received_at, organization), 1),
                             recorded_by_user_id=actor.user_id)
    if channel == RequestChannel.PORTAL:
        req.identity_verified_at, req.identity_method = now, IdentityMethod.PORTAL
    limit = organization.full_listings_per_year
    over_limit = limit and client is not None and full_listings_in_year(client, received_at) >= limit
    if kind in FULL_LISTING_KINDS and over_limit:
        req.limit_decision = LimitDecision.PENDING
    req.save()
    _log(req, "", req.status, actor)
    _audit(req, actor, AuditAction.CREATE, ["kind", "channel", "received_at"])
    publish(PrivacyRequestReceived(organization_id=req.organization_id, request_id=req.pk, kind=req.kind))
    return req


def _closed() -> Conflict:
    return Conflict(RequestError.CLOSED, _("This request has already been closed."))


def _require_open(req: DataSubjectRequest) -> None:
    if not req.is_open:
        raise _closed()


def _log(req: DataSubjectRequest, from_status: str, to_status: str, actor: Actor) -> None:
    RequestTransition.objects.create(organization_id=req.organization_id, request=req, from_status=from_status,
                                     to_status=to_status, actor_kind=actor.kind, actor_user_id=actor.user_id)


def request_transition(*, req: DataSubjectRequest, to_status: str, actor: Actor,
                       fields: Sequence[str] = ()) -> None:
    """Move the request along REQUEST_TRANSITIONS, saving `fields` with the status and logging the change.

    The only place a request's status changes. The row is locked and its stored status checked, so of
    two staff members answering at once the second gets `closed` and nothing of theirs is saved.
    The caller's own checks and audit row stay with the caller (one action, one audit row).
    """
    with transaction.atomic():
        stored = (DataSubjectRequest.objects.select_for_update().filter(pk=req.pk)
                  .values_list("status", flat=True).get())
        if not REQUEST_TRANSITIONS[stored]:
            raise _closed()
        if to_status not in REQUEST_TRANSITIONS[stored]:
            raise Conflict(RequestError.WRONG_STATE, _("A request that is %(status)s cannot become %(new)s.") % {
                "status": RequestStatus(stored).label.lower(), "new": RequestStatus(to_status).label.lower()})
        req.status = to_status
        req.save(update_fields=[*fields, "status"])
        _log(req, stored, to_status, actor)


@transaction.atomic
def request_link_client(*, req: DataSubjectRequest, client, actor: Actor) -> None:
    """Attach the client a request (e.g. a letter) turned out to be about."""
    _require_open(req)
    if client.organization_id != req.organization_id or client.erased_at is not None:
        raise ValidationError({"client": [_("Choose a client of this organization.")]})
    req.client, req.subject_ref = client, client.subject_ref
    req.save(update_fields=["client", "subject_ref"])
    _audit(req, actor, AuditAction.UPDATE, ["client"])


@transaction.atomic
def request_verify_identity(*, req: DataSubjectRequest, method: str, actor: Actor, note: str = "") -> None:
    _require_open(req)
    if method not in STAFF_IDENTITY_METHODS:  # `portal` is the portal's own sign-in, set when it records a request
        raise ValidationError({"method": [_("Choose how the identity was verified.")]})
    if method == IdentityMethod.OTHER and not note.strip():
        raise ValidationError({"note": [_("Describe how the identity was verified.")]})
    if req.client is None:
        raise Conflict(RequestError.NO_CLIENT, _("First choose which client the request is about."))
    req.identity_verified_at, req.identity_method = timezone.now(), method
    req.identity_note, req.verified_by_user_id = note.strip()[:300], actor.user_id
    req.save(update_fields=["identity_verified_at", "identity_method", "identity_note", "verified_by_user_id"])
    _audit(req, actor, AuditAction.UPDATE, ["identity_verified_at", "identity_method"])


def _tell_client(req: DataSubjectRequest, template: str, subject: Callable[[], str], **context) -> bool:
    """Queue an email to the client about their request, in their language; False if there is no address.

    The outbox keeps it (the client sees it among their messages) and the worker sends it after the
    commit, retrying a mail server's failure: nothing is sent inside the staff member's request.
    """
    from notify.models import MessageChannel, MessagePurpose
    from notify.outbox import enqueue
    from notify.services import client_language

    client = req.client
    if client is None or not client.email or client.erased_at is not None:
        return False
    organization = req.organization
    language = client_language(client)
    with translation.override(language), timezone.override(organization.time_zone):
        portal = settings.SITE_URL.rstrip("/") + reverse("portal:start", args=[organization.slug])
        body = render_to_string(template, {"req": req, "organization": organization, "portal": portal,
                                           "authority": authority_for(organization.country), **context})
        title = subject()
    kind = template.rsplit("/", 1)[-1].removesuffix(".txt")
    enqueue(organization=organization, client=client, channel=MessageChannel.EMAIL, purpose=MessagePurpose.PRIVACY,
            kind=kind, recipient=client.email, language=language, subject=title, body=body,
            dedupe_key=f"{kind}:{req.pk}", send_at=timezone.now())
    return True


@transaction.atomic
def request_extend(*, req: DataSubjectRequest, months: int, reason: str, actor: Actor,
                   told_otherwise: bool = False, now: dt.datetime | None = None) -> None:
    """Extend by one or two months (Art. 12(3)); allowed only within the first month, with reasons
    told to the client: by email here, or confirmed by staff as told by letter or in person."""
    _require_open(req)
    now = now or timezone.now()
    if req.extended_due_at:
        raise Conflict(RequestError.ALREADY_EXTENDED, _("The deadline has already been extended once."))
    if months not in range(1, MAX_EXTENSION_MONTHS + 1):
        raise ValidationError({"months": [_("Extend by one or two months.")]})
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reasons; the client will be told them.")]})
    if _local_day(now, req.organization) > req.due_at:
        raise Conflict(RequestError.TOO_LATE, _("The first month has passed: the deadline can no longer be "
                                                "extended."))
    before = (req.extended_due_at, req.extension_reason)
    req.extended_due_at = add_months(_local_day(req.received_at, req.organization), 1 + months)
    req.extension_reason = reason.strip()
    sent = _tell_client(req, "privacy/email/request_extended.txt",
                        lambda: _("Your request to %(organization)s needs more time") % {
                            "organization": req.organization.name})
    if not sent and not told_otherwise:
        req.extended_due_at, req.extension_reason = before
        raise Invalid(RequestError.NOT_TOLD, _("The client has no email address we could reach. Tell them the "
                                               "reasons by letter or in person, then confirm that you did."))
    req.extension_notified_at = now
    request_transition(req=req, to_status=RequestStatus.EXTENDED, actor=actor,
                       fields=["extended_due_at", "extension_reason", "extension_notified_at"])
    _audit(req, actor, AuditAction.UPDATE, ["extended_due_at", "extension_reason"])


@transaction.atomic
def request_decide_limit(*, req: DataSubjectRequest, allow: bool, reason: str, actor: Actor) -> None:
    """Decide on a copy request over the organization's yearly limit: answer it, or refuse it with reasons."""
    _require_open(req)
    if req.limit_decision != LimitDecision.PENDING:
        raise Conflict(RequestError.NO_DECISION, _("This request needs no decision on the yearly limit."))
    req.limit_decision, req.limit_reason = (LimitDecision.ALLOWED if allow else LimitDecision.REFUSED), reason.strip()
    req.save(update_fields=["limit_decision", "limit_reason"])
    _audit(req, actor, AuditAction.UPDATE, ["limit_decision"])
    if not allow:
        request_refuse(req=req, reasons=reason, actor=actor)


def _fulfilled(req: DataSubjectRequest) -> bool:
    client = req.client
    if req.kind == RequestKind.ERASURE:
        return req.client is None or client.erased_at is not None
    if client is None:
        return False
    if req.kind in FULL_LISTING_KINDS:
        return DataExport.objects.filter(request=req, status=ExportStatus.READY).exists()
    if req.kind == RequestKind.RESTRICTION:
        return client.restricted_at is not None
    if req.kind == RequestKind.OBJECTION:
        return client.marketing_objection_at is not None
    return True  # a correction or a withdrawal is done in the client's own pages; the outcome says what


@transaction.atomic
def request_complete(*, req: DataSubjectRequest, actor: Actor, outcome: str = "") -> None:
    """Close the request as answered, once what it asked for has really been done."""
    _require_open(req)
    if (req.kind != RequestKind.ERASURE or req.client is not None) and req.identity_verified_at is None:
        raise Conflict(RequestError.IDENTITY_UNVERIFIED, _("Verify the client's identity before answering."))
    if req.limit_decision == LimitDecision.PENDING:
        raise Conflict(RequestError.LIMIT_PENDING, _("Decide first on the request over the yearly limit."))
    if not _fulfilled(req):
        raise Conflict(RequestError.NOT_DONE, _("What the client asked for has not been done yet."))
    if req.kind in (RequestKind.RECTIFICATION, RequestKind.CONSENT_WITHDRAWAL) and not outcome.strip():
        raise ValidationError({"outcome": [_("Say what was corrected or withdrawn.")]})
    req.closed_at, req.outcome = timezone.now(), outcome.strip()
    request_transition(req=req, to_status=RequestStatus.COMPLETED, actor=actor, fields=["closed_at", "outcome"])
    _audit(req, actor, AuditAction.UPDATE, ["status", "outcome"])
    publish(PrivacyRequestAnswered(organization_id=req.organization_id, request_id=req.pk, kind=req.kind,
                                   status=req.status))
    _tell_client(req, "privacy/email/request_completed.txt",
                 lambda: _("Your request to %(organization)s has been answered") % {
                     "organization": req.organization.name})


@transaction.atomic
def request_refuse(*, req: DataSubjectRequest, reasons: str, actor: Actor, told_otherwise: bool = False) -> None:
    """Refuse with reasons; the client is told them and their right to complain to the authority."""
    _require_open(req)
    if not reasons.strip():
        raise ValidationError({"reasons": [_("Give the reasons for the refusal; the client will be told them.")]})
    before = (req.closed_at, req.refusal_reason)
    req.closed_at, req.refusal_reason = timezone.now(), reasons.strip()
    sent = _tell_client(req, "privacy/email/request_refused.txt",
                        lambda: _("Your request to %(organization)s was refused") % {
                            "organization": req.organization.name})
    if not sent and not told_otherwise:
        req.closed_at, req.refusal_reason = before
        raise Invalid(RequestError.NOT_TOLD, _("The client has no email address we could reach. Tell them the "
                                               "reasons and their right to complain by letter or in person, then "
                                               "confirm that you did."))
    req.refusal_notified_at = timezone.now()
    request_transition(req=req, to_status=RequestStatus.REFUSED, actor=actor,
                       fields=["closed_at", "refusal_reason", "refusal_notified_at"])
    _audit(req, actor, AuditAction.UPDATE, ["status", "refusal_reason"])
    publish(PrivacyRequestAnswered(organization_id=req.organization_id, request_id=req.pk, kind=req.kind,
                                   status=req.status))


def open_requests(organization) -> QuerySet[DataSubjectRequest]:
    """The owner's queue: open requests, the soonest due first."""
    return (DataSubjectRequest.objects.filter(organization=organization,
                                              status__in=(RequestStatus.OPEN, RequestStatus.EXTENDED))
            .annotate(deadline=Coalesce("extended_due_at", "due_at")).order_by("deadline", "received_at"))


def overdue_filter(today: dt.date) -> Q:
    return (Q(status__in=(RequestStatus.OPEN, RequestStatus.EXTENDED))
            & (Q(extended_due_at__lt=today) | Q(extended_due_at=None, due_at__lt=today)))


def overdue_requests(organization, today: dt.date | None = None) -> QuerySet[DataSubjectRequest]:
    today = today or timezone.localdate(timezone=_zone(organization))
    return open_requests(organization).filter(overdue_filter(today))


def send_owner_digests(now: dt.datetime | None = None) -> int:
    """Queue an email (the outbox; once a day per owner) to each owner whose organization has open requests:
    counts and due dates, no personal data. Returns how many were queued."""
    from notify.models import MessageChannel, MessagePurpose
    from notify.outbox import deliver_soon, enqueue
    from tenancy.models import Membership, Organization
    from tenancy.roles import Role

    now = now or timezone.now()
    sent = 0
    organization_ids = (DataSubjectRequest.objects.filter(status__in=(RequestStatus.OPEN, RequestStatus.EXTENDED))
                        .values_list("organization_id", flat=True).distinct())
    for organization in Organization.objects.filter(pk__in=list(organization_ids)):
        today = timezone.localtime(now, timezone=_zone(organization)).date()
        queue = list(open_requests(organization))
        overdue = [r for r in queue if r.deadline < today]
        soon = [r for r in queue if today <= r.deadline <= today + dt.timedelta(days=7)]
        link = settings.SITE_URL.rstrip("/") + reverse("web:requests", args=[organization.slug])
        for member in Membership.objects.filter(organization=organization, role=Role.OWNER).select_related("user"):
            with translation.override(member.user.preferred_language or organization.default_language):
                body = render_to_string("privacy/email/request_digest.txt", {
                    "organization": organization, "open": len(queue), "overdue": len(overdue), "soon": len(soon),
                    "next_due": queue[0].deadline if queue else None, "link": link})
                subject = (_("%(count)s overdue data-subject requests at %(organization)s")
                           if overdue else _("Open data-subject requests at %(organization)s")) % {
                    "count": len(overdue), "organization": organization.name}
                if enqueue(organization=organization, channel=MessageChannel.EMAIL, purpose=MessagePurpose.STAFF,
                           kind="request_digest", recipient=member.user.email,
                           language=translation.get_language(), subject=subject, body=body,
                           dedupe_key=f"request_digest:{member.pk}:{today.isoformat()}", send_at=now,
                           deliver=False):
                    sent += 1
    if sent:
        deliver_soon()
    return sent
