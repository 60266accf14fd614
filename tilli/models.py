"""The durable domain-event log: one row per published event, one delivery row per subscriber.

Both are written in the publishing service's transaction, so an event exists exactly when the
change it describes committed. Rows carry ids only (see tilli.events.Event), and the organization
as a plain id: the event kernel sits below tenancy and names no model above it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
