"""The audit log (append-only, hash-chained per organization) and periodic-job state."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from privacy.registry import (
    PURPOSE_ACCOUNTABILITY,
    RETENTION_AUDIT,
    Category,
    Erasure,
    LegalBasis,
    PersonalField,
    Retention,
    SubjectKind,
    personal_data,
)
from tenancy.models import Organization, TenantModel


class AuditAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    SEARCH = "search", _("Searched")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    EXPORT = "export", _("Exported")
    REVEAL = "reveal", _("Revealed a protected value")
    GRANT = "grant", _("Granted access")
    REVOKE = "revoke", _("Revoked access")


class ActorKind(models.TextChoices):
    USER = "user", _("Staff member")
    API = "api", _("Staff member via the API")
    CLIENT = "client", _("Client")
    SYSTEM = "system", _("System")
    OPERATOR = "operator", _("Tilli's staff (the operator)")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")

    def for_organization(self, organization: Organization) -> AppendOnlyQuerySet:
        return self.filter(organization=organization)


_AUDIT_USAGE = PersonalField(Category.USAGE, PURPOSE_ACCOUNTABILITY, LegalBasis.LEGAL_OBLIGATION,
                             RETENTION_AUDIT, Erasure.KEEP_RESTRICTED,
                             legal_ground=_("GDPR Art. 5(2) and 32: proof of who accessed the data"))


@personal_data(
    subject_kind=SubjectKind.STAFF,
    subject_path="actor_user_id",
    fields={"actor_user_id": _AUDIT_USAGE, "ip": _AUDIT_USAGE, "subject_ref": _AUDIT_USAGE,
            "actor_label": _AUDIT_USAGE},
    not_personal=["organization", "seq", "created_at", "actor_kind", "actor_role", "action", "object_type",
                  "object_id", "changed_fields", "detail", "prev_hash", "hash"],
)
class AuditEvent(TenantModel):
    """One access or change. Rows are never updated or deleted (a trigger refuses updates).

    The subject is a pseudonymous reference stored on the client, not a foreign key,
    so the trail outlives the client's erasure without naming the person.
    """

    seq = models.PositiveBigIntegerField()
    created_at = models.DateTimeField()
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    subject_ref = models.UUIDField(null=True, blank=True)
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True)
    changed_fields = models.JSONField(default=list)
    detail = models.JSONField(default=dict)
    ip = models.CharField(max_length=45, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        constraints = [models.UniqueConstraint(fields=["organization", "seq"], name="audit_unique_seq")]
        indexes = [
            models.Index(fields=["organization", "subject_ref", "seq"], name="audit_subject"),
            models.Index(fields=["organization", "actor_user_id", "seq"], name="audit_actor"),
        ]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "seq", "hash", "updated_at"])
class AuditChainHead(TenantModel):
    """The last sequence number and hash of an organization's chain.

    Writers lock this row, so appends are serialized per organization; a deleted tail
    shows as a head that points past the last row.
    """

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("access log chain head")
        verbose_name_plural = _("access log chain heads")
        constraints = [models.UniqueConstraint(fields=["organization"], name="audit_head_unique_org")]


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["name", "next_run_at", "last_enqueued_at"])
class PeriodicJob(models.Model):
    """When a periodic task is next due; claimed with a conditional update so it runs once."""

    name = models.CharField(max_length=100, unique=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")

    def __str__(self) -> str:
        return self.name


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access to the data (Art. 15)")
    COPY = "copy", _("A copy in a machine-readable format (Art. 20)")
    RECTIFICATION = "rectification", _("Correction (Art. 16)")
    ERASURE = "erasure", _("Erasure (Art. 17)")
    RESTRICTION = "restriction", _("Restriction of processing (Art. 18)")
    OBJECTION = "objection", _("Objection to direct marketing (Art. 21)")
    CONSENT_WITHDRAWAL = "withdrawal", _("Withdrawal of consent (Art. 7(3))")


FULL_LISTING_KINDS = (RequestKind.ACCESS, RequestKind.COPY)


class RequestChannel(models.TextChoices):
    PORTAL = "portal", _("Client portal")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    EXTENDED = "extended", _("Extended")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused")


class IdentityMethod(models.TextChoices):
    PORTAL = "portal", _("Signed in to the client portal")
    DOCUMENT = "document", _("Identity document shown in person")
    KNOWN_CONTACT = "known_contact", _("Reply confirmed from the email address or phone in the register")
    OTHER = "other", _("Other check, described in the note")


class LimitDecision(models.TextChoices):
    NONE = "", _("No decision needed")
    PENDING = "pending", _("Over the yearly limit: waiting for a decision")
    ALLOWED = "allowed", _("Over the yearly limit: answered anyway")
    REFUSED = "refused", _("Over the yearly limit: refused with reasons")


RETENTION_REQUEST = Retention(
    "request", _("Data-subject requests: kept %(period)s after they were answered, as proof of the answer"),
    days=3 * 365)
_REQUEST_SUBJECT = PersonalField(Category.USAGE, PURPOSE_ACCOUNTABILITY, LegalBasis.LEGAL_OBLIGATION,
                                 RETENTION_REQUEST, Erasure.ANONYMISE)
_REQUEST_PROOF = PersonalField(Category.USAGE, PURPOSE_ACCOUNTABILITY, LegalBasis.LEGAL_OBLIGATION,
                               RETENTION_REQUEST, Erasure.KEEP_RESTRICTED,
                               legal_ground=_("GDPR Art. 5(2) and 12: proof that the request was answered in time"))


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="client", kept_since="received_at", audit_reads=True,
    fields={"client": _REQUEST_SUBJECT, "details": _REQUEST_SUBJECT, "subject_ref": _REQUEST_PROOF},
    not_personal=["organization", "kind", "channel", "status", "received_at", "due_at", "extended_due_at",
                  "extension_reason", "extension_notified_at", "identity_verified_at", "identity_method",
                  "identity_note", "verified_by_user_id", "limit_decision", "limit_reason", "closed_at",
                  "outcome", "refusal_reason", "refusal_notified_at", "recorded_by_user_id", "created_at"],
)
class DataSubjectRequest(TenantModel):
    """A client's request under GDPR Arts. 15-21, with its one-month deadline (Art. 12(3)).

    The row outlives the client's erasure (the link is cleared, the pseudonymous reference
    stays), because it is the proof that the request was answered and when.
    """

    client = models.ForeignKey("clients.Client", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="requests", verbose_name=_("client"))
    subject_ref = models.UUIDField(_("pseudonymous reference"), null=True, blank=True)
    kind = models.CharField(_("request"), max_length=15, choices=RequestKind.choices)
    channel = models.CharField(_("arrived by"), max_length=10, choices=RequestChannel.choices)
    details = models.TextField(_("what the client asked"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    received_at = models.DateTimeField(_("received"))
    due_at = models.DateField(_("due"))
    extended_due_at = models.DateField(_("extended to"), null=True, blank=True)
    extension_reason = models.TextField(_("reasons for the extension"), blank=True)
    extension_notified_at = models.DateTimeField(null=True, blank=True)
    identity_verified_at = models.DateTimeField(_("identity verified"), null=True, blank=True)
    identity_method = models.CharField(_("how identity was verified"), max_length=15,
                                       choices=IdentityMethod.choices, blank=True)
    identity_note = models.CharField(_("note on the identity check"), max_length=300, blank=True)
    verified_by_user_id = models.BigIntegerField(null=True, blank=True)
    limit_decision = models.CharField(max_length=10, choices=LimitDecision.choices, blank=True, default="")
    limit_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(_("what was done"), blank=True)
    refusal_reason = models.TextField(_("reasons for the refusal"), blank=True)
    refusal_notified_at = models.DateTimeField(null=True, blank=True)
    recorded_by_user_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")
        indexes = [models.Index(fields=["organization", "status", "due_at"], name="request_queue"),
                   models.Index(fields=["organization", "client", "kind", "received_at"], name="request_client")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.received_at:%Y-%m-%d}"

    @property
    def effective_due(self):
        return self.extended_due_at or self.due_at

    @property
    def is_open(self) -> bool:
        return self.status in (RequestStatus.OPEN, RequestStatus.EXTENDED)


# The request's life: open, perhaps extended once, then answered or refused; a closed request stays closed
# (a new request is a new row). privacy.requests.request_transition is the only writer of `status`.
REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    RequestStatus.OPEN: frozenset({RequestStatus.EXTENDED, RequestStatus.COMPLETED, RequestStatus.REFUSED}),
    RequestStatus.EXTENDED: frozenset({RequestStatus.COMPLETED, RequestStatus.REFUSED}),
    RequestStatus.COMPLETED: frozenset(),
    RequestStatus.REFUSED: frozenset(),
}


@personal_data(subject_kind=SubjectKind.CLIENT, subject_path="request__client", kept_since="at",
               fields={"at": _REQUEST_PROOF, "actor_user_id": _REQUEST_PROOF},
               not_personal=["organization", "request", "from_status", "to_status", "actor_kind"])
class RequestTransition(TenantModel):
    """The log of a request's statuses: who moved it from what to what, and when (proof of the answer)."""

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor_kind = models.CharField(max_length=10)
    actor_user_id = models.BigIntegerField(_("by (account number)"), null=True, blank=True)

    class Meta:
        verbose_name = _("change of a request's status")
        verbose_name_plural = _("changes of requests' statuses")

    def __str__(self) -> str:
        return f"{self.from_status}->{self.to_status}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Being built")
    READY = "ready", _("Ready to download")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


_EXPORT = PersonalField(Category.USAGE, PURPOSE_ACCOUNTABILITY, LegalBasis.LEGAL_OBLIGATION,
                        Retention("export", _("Data exports: the file is deleted when its link expires, after "
                                              "%(period)s"),
                                  setting="EXPORT_LINK_DAYS"),
                        Erasure.DELETE)


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="client",
    fields={"client": _EXPORT, "requested_by_user_id": _EXPORT, "file_name": _EXPORT},
    not_personal=["organization", "request", "requested_by_client", "status", "progress", "created_at",
                  "finished_at", "expires_at", "size", "downloads", "error"],
)
class DataExport(TenantModel):
    """One copy of everything about a client (Arts. 15 and 20), built by a background task.

    The file is encrypted with the organization's data key and deleted when the link
    expires or the client is erased.
    """

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="exports",
                               verbose_name=_("client"))
    request = models.ForeignKey(DataSubjectRequest, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="exports")
    requested_by_user_id = models.BigIntegerField(_("requested by (account number)"), null=True, blank=True)
    requested_by_client = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(_("file name"), max_length=80, blank=True)
    size = models.PositiveIntegerField(default=0)
    downloads = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        indexes = [models.Index(fields=["organization", "client", "-created_at"], name="export_client_recent")]

    def __str__(self) -> str:
        return f"export {self.pk}"


_LEDGER = PersonalField(Category.USAGE, PURPOSE_ACCOUNTABILITY, LegalBasis.LEGAL_OBLIGATION, RETENTION_AUDIT,
                        Erasure.KEEP_RESTRICTED,
                        legal_ground=_("GDPR Art. 17 and 5(2): erasures are re-applied after a backup is restored"))


@personal_data(subject_kind=SubjectKind.CLIENT, subject_path=None, fields={"subject_ref": _LEDGER},
               not_personal=["organization", "client_pk", "erased_at", "request", "summary"])
class ErasureRecord(TenantModel):
    """The erasure ledger: who (by pseudonym only) was erased when. Also appended to a file kept
    outside the database, so `replay_erasures` can erase again after an older backup is restored."""

    subject_ref = models.UUIDField(_("pseudonymous reference"))
    client_pk = models.BigIntegerField()
    erased_at = models.DateTimeField()
    request = models.ForeignKey(DataSubjectRequest, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    summary = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")
        indexes = [models.Index(fields=["organization", "erased_at"], name="erasure_ledger_time")]

    def __str__(self) -> str:
        return f"erasure {self.erased_at:%Y-%m-%d}"


# --- Documents: sub-processors, recipients, published notices, processing agreements ------------------

@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["name", "address", "country", "purpose", "location", "data_categories", "position",
                             "added_at", "removed_at"])
class SubProcessor(models.Model):
    """A company the operator engages to run Tilli (hosting, email, SMS), listed in every organization's
    processing agreement and privacy notice; a change is announced to every owner."""

    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO code, e.g. FI"))
    purpose = models.CharField(_("what it does"), max_length=300)
    location = models.CharField(_("where the data is processed"), max_length=200)
    data_categories = models.CharField(_("categories of data it handles"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    added_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sub-processor")
        verbose_name_plural = _("sub-processors")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "name", "purpose", "country", "data_categories", "is_processor",
                             "added_at", "removed_at"])
class OrganizationRecipient(TenantModel):
    """Someone the organization itself discloses client data to, e.g. its accounting office."""

    name = models.CharField(_("name"), max_length=200)
    purpose = models.CharField(_("why they receive data"), max_length=300)
    country = models.CharField(_("country"), max_length=2, default="FI")
    data_categories = models.CharField(_("categories of data"), max_length=300)
    is_processor = models.BooleanField(_("processes data on our behalf"), default=True)
    added_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recipient of client data")
        verbose_name_plural = _("recipients of client data")

    def __str__(self) -> str:
        return self.name


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "version", "facts", "published_at", "published_by_user_id"])
class PrivacyNoticeVersion(TenantModel):
    """A published privacy notice: the facts it stated (rendered in each language from them), kept forever."""

    version = models.PositiveIntegerField()
    facts = models.JSONField()
    published_at = models.DateTimeField()
    published_by_user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("privacy notice version")
        verbose_name_plural = _("privacy notice versions")
        constraints = [models.UniqueConstraint(fields=["organization", "version"], name="notice_version_unique")]
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"notice v{self.version}"


class AgreementStatus(models.TextChoices):
    AWAITING_SIGNATURE = "awaiting", _("Waiting for the signed copy")
    SIGNED = "signed", _("Signed")
    SUPERSEDED = "superseded", _("Replaced by a newer version")


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "version", "facts", "status", "generated_at", "signed_at",
                             "signed_file_name", "signed_file_size", "uploaded_by_user_id"])
class ProcessingAgreement(TenantModel):
    """The Art. 28 agreement between the operator and the organization, as generated, and its signed copy."""

    version = models.PositiveIntegerField()
    facts = models.JSONField()
    status = models.CharField(max_length=10, choices=AgreementStatus.choices,
                              default=AgreementStatus.AWAITING_SIGNATURE)
    generated_at = models.DateTimeField()
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_file_name = models.CharField(max_length=80, blank=True)
    signed_file_size = models.PositiveIntegerField(default=0)
    uploaded_by_user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("processing agreement")
        verbose_name_plural = _("processing agreements")
        constraints = [models.UniqueConstraint(fields=["organization", "version"], name="agreement_version_unique")]
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"agreement v{self.version}"


# --- Breach register (GDPR Arts. 33-34) -----------------------------------------------------------------

class BreachRisk(models.TextChoices):
    UNLIKELY = "unlikely", _("Unlikely to result in a risk to people")
    RISK = "risk", _("A risk to people: notify the authority")
    HIGH = "high", _("A high risk: notify the authority and tell the people affected")


class ClientDecision(models.TextChoices):
    UNDECIDED = "", _("Not decided yet")
    INFORM = "inform", _("Tell each affected client directly")
    PUBLIC = "public", _("A public notice (telling each would take disproportionate effort)")
    NOT_NEEDED = "not_needed", _("Not needed (e.g. the data was encrypted, or the risk was removed)")


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "title", "occurred_at", "noticed_at", "nature", "data_categories",
                             "approx_subjects", "approx_records", "consequences", "measures", "risk",
                             "authority_notified_at", "authority_reference", "late_reason", "client_decision",
                             "client_decision_reason", "recorded_by_user_id", "created_at", "closed_at"])
class Breach(TenantModel):
    """A personal data breach, documented whether or not it is notified (Art. 33(5)).

    Staff describe it without naming people; the affected clients are linked in BreachSubject.
    """

    title = models.CharField(_("short description"), max_length=200)
    occurred_at = models.DateTimeField(_("when it happened (as far as known)"), null=True, blank=True)
    noticed_at = models.DateTimeField(_("when we became aware of it"))
    nature = models.TextField(_("what happened"))
    data_categories = models.JSONField(_("categories of data"), default=list)
    approx_subjects = models.PositiveIntegerField(_("people affected (approximately)"), default=0)
    approx_records = models.PositiveIntegerField(_("records affected (approximately)"), default=0)
    consequences = models.TextField(_("likely consequences"), blank=True)
    measures = models.TextField(_("measures taken or proposed"), blank=True)
    risk = models.CharField(_("risk to people"), max_length=10, choices=BreachRisk.choices, default=BreachRisk.RISK)
    authority_notified_at = models.DateTimeField(_("authority notified"), null=True, blank=True)
    authority_reference = models.CharField(_("the authority's reference"), max_length=100, blank=True)
    late_reason = models.TextField(_("reasons for notifying after 72 hours"), blank=True)
    client_decision = models.CharField(_("telling the clients"), max_length=10, choices=ClientDecision.choices,
                                       blank=True, default="")
    client_decision_reason = models.TextField(_("grounds for the decision"), blank=True)
    recorded_by_user_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("personal data breach")
        verbose_name_plural = _("breach register")
        indexes = [models.Index(fields=["organization", "-noticed_at"], name="breach_recent")]

    def __str__(self) -> str:
        return self.title


_BREACH_SUBJECT = PersonalField(Category.USAGE, PURPOSE_ACCOUNTABILITY, LegalBasis.LEGAL_OBLIGATION,
                                RETENTION_AUDIT, Erasure.ANONYMISE)
_BREACH_PROOF = PersonalField(Category.USAGE, PURPOSE_ACCOUNTABILITY, LegalBasis.LEGAL_OBLIGATION, RETENTION_AUDIT,
                              Erasure.KEEP_RESTRICTED,
                              legal_ground=_("GDPR Art. 33(5): every breach and who it affected is documented"))


@personal_data(subject_kind=SubjectKind.CLIENT, subject_path="client",
               fields={"client": _BREACH_SUBJECT, "subject_ref": _BREACH_PROOF, "notified_at": _BREACH_PROOF},
               not_personal=["organization", "breach", "found_by", "added_at"])
class BreachSubject(TenantModel):
    """A client affected by a breach (found e.g. from the audit log), and when they were told."""

    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="subjects")
    client = models.ForeignKey("clients.Client", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="breaches", verbose_name=_("client"))
    subject_ref = models.UUIDField(_("pseudonymous reference"))
    # How they were found, as data rather than words, so each reader sees it in their own language:
    # {"by": "hand"} or {"by": "audit_log", "user_id": 5 | None, "action": "view" | "", "start": iso, "end": iso}.
    found_by = models.JSONField(_("how found"), default=dict, blank=True)
    notified_at = models.DateTimeField(_("told"), null=True, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("client affected by a breach")
        verbose_name_plural = _("clients affected by a breach")
        constraints = [models.UniqueConstraint(fields=["organization", "breach", "subject_ref"],
                                               name="breach_subject_unique")]

    def __str__(self) -> str:
        return f"breach {self.breach_id} subject"

    @property
    def how_found(self) -> str:
        """How the client was found, in the active language and time zone; no one is named (an account number)."""
        found = self.found_by or {}
        if found.get("by") == "hand":
            return gettext("Added by hand")
        if found.get("by") != "audit_log":
            return str(found.get("text", ""))
        user_id, action = found.get("user_id"), found.get("action")
        start, end = (formats.date_format(timezone.localtime(dt.datetime.fromisoformat(found[key])),
                                          "SHORT_DATETIME_FORMAT") for key in ("start", "end"))
        return gettext("From the access log: %(account)s, %(action)s, %(start)s – %(end)s") % {
            "account": gettext("account #%(number)s") % {"number": user_id} if user_id is not None
            else gettext("any account"),
            "action": AuditAction(action).label if action in AuditAction.values else gettext("any action"),
            "start": start, "end": end}
