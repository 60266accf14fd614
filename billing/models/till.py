"""The till of a location: opened with a float, cash in and out with reasons, closed with a count.

A closed session is the day's Z report: its figures are frozen on the session when it closes (and
numbered in the Z_REPORT series), so the report reads the same later even if a receipt is restricted.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.models.accounting import ACCOUNTING_GROUND, PURPOSE_ACCOUNTING, RETENTION_ACCOUNTING
from kernel.models import TenantModel
from kernel.registry import Category, Erasure, LegalBasis, PersonalField, SubjectKind, personal_data
from tilli.lib.text import validate_clean_text

# Who opened, counted and closed a till is staff data kept with the accounting records it proves.
_STAFF_KEPT = PersonalField(Category.USAGE, PURPOSE_ACCOUNTING, LegalBasis.LEGAL_OBLIGATION, RETENTION_ACCOUNTING,
                            Erasure.KEEP_RESTRICTED, legal_ground=ACCOUNTING_GROUND)


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "location", "name", "is_active"])
class Till(TenantModel):
    location = models.ForeignKey("booking.Location", on_delete=models.PROTECT, related_name="tills",
                                 verbose_name=_("location"))
    name = models.CharField(_("name"), max_length=100, validators=[validate_clean_text])
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("till")
        verbose_name_plural = _("tills")

    def __str__(self) -> str:
        return self.name


@personal_data(
    subject_kind=SubjectKind.STAFF, subject_path="opened_by_user_id", kept_since="opened_at",
    fields={"opened_by_user_id": _STAFF_KEPT, "closed_by_user_id": _STAFF_KEPT},
    not_personal=["organization", "till", "opened_at", "opening_float", "closed_at", "counted_cash",
                  "expected_cash", "difference", "z_number", "z_figures", "note"],
)
class TillSession(TenantModel):
    """From opening to closing of one till; at most one open session per till."""

    till = models.ForeignKey(Till, on_delete=models.PROTECT, related_name="sessions")
    opened_at = models.DateTimeField(_("opened"))
    opened_by_user_id = models.BigIntegerField(_("opened by (account number)"), null=True, blank=True)
    opening_float = models.DecimalField(_("float"), max_digits=10, decimal_places=2)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by_user_id = models.BigIntegerField(_("closed by (account number)"), null=True, blank=True)
    counted_cash = models.DecimalField(_("counted cash"), max_digits=10, decimal_places=2, null=True, blank=True)
    expected_cash = models.DecimalField(_("expected cash"), max_digits=10, decimal_places=2, null=True, blank=True)
    difference = models.DecimalField(_("difference"), max_digits=10, decimal_places=2, null=True, blank=True)
    z_number = models.PositiveIntegerField(_("Z report number"), null=True, blank=True)
    z_figures = models.JSONField(default=dict, blank=True)  # the report's sums as frozen at closing
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("till session")
        verbose_name_plural = _("till sessions")
        constraints = [models.UniqueConstraint(fields=["till"], condition=models.Q(closed_at=None),
                                               name="till_one_open_session")]


class CashMovementKind(models.TextChoices):
    IN = "in", _("Cash in")
    OUT = "out", _("Cash out")


@personal_data(
    subject_kind=SubjectKind.STAFF, subject_path="by_user_id", kept_since="at",
    fields={"by_user_id": _STAFF_KEPT},
    not_personal=["organization", "session", "kind", "amount", "reason", "at"],
)
class CashMovement(TenantModel):
    session = models.ForeignKey(TillSession, on_delete=models.PROTECT, related_name="cash_movements")
    kind = models.CharField(_("kind"), max_length=3, choices=CashMovementKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=200, validators=[validate_clean_text])
    by_user_id = models.BigIntegerField(_("recorded by (account number)"), null=True, blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("cash movement")
        verbose_name_plural = _("cash movements")
