"""The operator's own records: its log of what its staff did, and each ended contract's return of data.

The operator log is not an organization's audit chain: it outlives the organizations it names (the fact
that an organization was deleted, when, by whom and on which contract is what the operator keeps), and
it also records actions on no organization (the sub-processor list). Rows are append-only.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.models import AppendOnlyQuerySet, TenantModel
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


class OperatorAction(models.TextChoices):
    SUSPEND = "suspend", _("Suspended the organization")
    REACTIVATE = "reactivate", _("Reactivated the organization")
    END_CONTRACT = "end_contract", _("Ended the contract and prepared the data for return")
    ARCHIVE_DOWNLOADED = "archive_downloaded", _("The owner downloaded the returned data")
    DELETE = "delete", _("Deleted the organization and destroyed its keys")
    GRANT_SUPPORT = "grant_support", _("Opened a support access")
    END_SUPPORT = "end_support", _("Ended a support access")
    ADD_SUBPROCESSOR = "add_subprocessor", _("Added a sub-processor")
    CHANGE_SUBPROCESSOR = "change_subprocessor", _("Changed a sub-processor")
    REMOVE_SUBPROCESSOR = "remove_subprocessor", _("Removed a sub-processor")


class AppendOnly(AppendOnlyQuerySet):
    refusal = "The operator log is append-only."


_OPERATOR_TRACE = PersonalField(Category.USAGE, PURPOSE_ACCOUNTABILITY, LegalBasis.LEGAL_OBLIGATION, RETENTION_AUDIT,
                                Erasure.KEEP_RESTRICTED,
                                legal_ground=_("GDPR Art. 5(2), 28 and 32: proof of what the processor's staff did"))


@personal_data(
    subject_kind=SubjectKind.STAFF,
    subject_path="actor_user_id",
    fields={"actor_user_id": _OPERATOR_TRACE, "actor_label": _OPERATOR_TRACE, "ip": _OPERATOR_TRACE},
    not_personal=["created_at", "action", "organization_id", "organization_name", "business_id", "reason",
                  "detail"],
)
class OperatorEvent(models.Model):
    """One action of the operator's staff (or its scheduled jobs). The organization is named by id and
    name, not a foreign key, so the row stays when the organization is deleted."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=30, choices=OperatorAction.choices)
    actor_user_id = models.BigIntegerField(_("by (account number)"), null=True, blank=True)
    actor_label = models.CharField(_("by"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    organization_id = models.BigIntegerField(_("organization number"), null=True, blank=True, db_index=True)
    organization_name = models.CharField(_("organization"), max_length=200, blank=True)
    business_id = models.CharField(_("business ID"), max_length=20, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    detail = models.JSONField(_("details"), default=dict, blank=True)

    objects = AppendOnly.as_manager()

    class Meta:
        verbose_name = _("operator log entry")
        verbose_name_plural = _("operator log")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The operator log is append-only.")
        super().save(*args, **kwargs)


@personal_data(
    subject_kind=None, subject_path=None, fields={},
    not_personal=["organization", "ended_at", "return_until", "reason", "archive_name", "archive_size", "token_hash",
                  "downloaded_at"],
)
class ContractEnd(TenantModel):
    """An ended contract: the archive of everything the organization kept, returned to its owner through a
    single-use link until `return_until`, after which the organization is deleted (console.contract)."""

    ended_at = models.DateTimeField(_("contract ended"))
    return_until = models.DateTimeField(_("data returned until"))
    reason = models.CharField(_("reason"), max_length=500)
    archive_name = models.CharField(max_length=80)
    archive_size = models.PositiveBigIntegerField(_("archive size"), default=0)
    token_hash = models.CharField(max_length=64, unique=True)
    downloaded_at = models.DateTimeField(_("downloaded"), null=True, blank=True)

    class Meta:
        verbose_name = _("ended contract")
        verbose_name_plural = _("ended contracts")
        constraints = [models.UniqueConstraint(fields=["organization"], name="contract_end_once")]

    def __str__(self) -> str:
        return f"contract end {self.pk}"
