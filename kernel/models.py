"""The kernel's tables: the tenant base every model stands on, the audit chain, periodic-job state,
and the durable domain-event log.

The kernel sits below tenancy: the organization is named by its app label ("tenancy.Organization"),
never imported. The audit and scheduler tables keep the names they had in privacy, and the event
tables the names they had in tilli (they moved by state only; see kernel/migrations/0001).

The event log holds one row per published event and one delivery row per subscriber. Both are
written in the publishing service's transaction, so an event exists exactly when the change it
describes committed. Rows carry ids only (see kernel.events.Event), and the organization as a plain
id.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.registry import (
    PURPOSE_ACCOUNTABILITY,
    RETENTION_AUDIT,
    Category,
    Erasure,
    LegalBasis,
    PersonalField,
    SubjectKind,
    personal_data,
)


class TenantQuerySet(models.QuerySet):
    def for_organization(self, organization) -> TenantQuerySet:
        return self.filter(organization=organization)


class TenantModel(models.Model):
    """Base for every table owned by one organization."""

    organization = models.ForeignKey("tenancy.Organization", on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True



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
    """A log whose rows are never changed or removed through the ORM; subclasses name their log."""

    refusal = "Audit events are append-only."

    def update(self, **kwargs):
        raise PermissionError(self.refusal)

    def delete(self):
        raise PermissionError(self.refusal)

    def for_organization(self, organization) -> AppendOnlyQuerySet:
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
        db_table = "privacy_auditevent"  # the table predates the kernel app; its rows stay where they are
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        constraints = [models.UniqueConstraint(fields=["organization", "seq"], name="audit_unique_seq")]
        indexes = [
            models.Index(fields=["organization", "subject_ref", "seq"], name="audit_subject"),
            models.Index(fields=["organization", "actor_user_id", "seq"], name="audit_actor"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}"

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
        db_table = "privacy_auditchainhead"
        verbose_name = _("access log chain head")
        verbose_name_plural = _("access log chain heads")
        constraints = [models.UniqueConstraint(fields=["organization"], name="audit_head_unique_org")]

    def __str__(self) -> str:
        return f"#{self.seq}"


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["name", "next_run_at", "last_enqueued_at"])
class PeriodicJob(models.Model):
    """When a periodic task is next due; claimed with a conditional update so it runs once."""

    name = models.CharField(max_length=100, unique=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "privacy_periodicjob"
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")

    def __str__(self) -> str:
        return self.name


@personal_data(subject_kind=None, subject_path=None, fields={},  # ids and plain codes only, never personal data
               not_personal=["name", "organization_id", "payload", "published_at"])
class EventRecord(models.Model):
    name = models.CharField(_("event"), max_length=60)
    organization_id = models.BigIntegerField(_("organization"), null=True, blank=True, db_index=True)
    payload = models.JSONField(_("ids"))
    published_at = models.DateTimeField(_("published"))

    class Meta:
        db_table = "tilli_event"
        verbose_name = _("domain event")
        verbose_name_plural = _("domain events")
        indexes = [models.Index(fields=["published_at"], name="event_published")]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed (gave up)")


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["event", "subscriber", "status", "attempts", "next_attempt_at", "last_error", "done_at"])
class EventDelivery(models.Model):
    """One subscriber's handling of one event: at least once, and marked done in the subscriber's own
    transaction, so its effects and the mark commit together and a repeated dispatch does nothing."""

    event = models.ForeignKey(EventRecord, on_delete=models.CASCADE, related_name="deliveries",
                              verbose_name=_("event"))
    subscriber = models.CharField(_("subscriber"), max_length=150)
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    # The exception's type only: a message could quote personal data.
    last_error = models.CharField(_("last error"), max_length=100, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        db_table = "tilli_event_delivery"
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        constraints = [models.UniqueConstraint(fields=["event", "subscriber"], name="event_delivery_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="event_delivery_due")]

    def __str__(self) -> str:
        return f"{self.subscriber} ← {self.event_id}"
