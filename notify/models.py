"""The outbox and what shapes it: every email and SMS is a row before it is sent.

A message row records purpose, channel, recipient, language, content, status, attempts and
the provider's answer, so delivery can be retried, audited, exported to the client, and
proven never to have happened twice. Reminder rules, the organization's sending policy,
per-language templates and marketing campaigns live here too.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from clients.models import Channel
from kernel.models import TenantModel
from kernel.registry import (
    Category,
    Erasure,
    LegalBasis,
    PersonalField,
    Purpose,
    Retention,
    SubjectKind,
    personal_data,
)
from tenancy.fields import EncryptedTextField
from tenancy.models import Organization

PURPOSE_MESSAGES = Purpose("messages", _("Booking confirmations, reminders and the messages the client allowed"))
RETENTION_MESSAGES = Retention("messages", _("Messages sent: %(period)s, as a record of what was sent and when"),
                               days=2 * 365)
_MSG = PersonalField(Category.CONTACT, PURPOSE_MESSAGES, LegalBasis.CONTRACT, RETENTION_MESSAGES, Erasure.DELETE)


class MessagePurpose(models.TextChoices):
    TRANSACTIONAL = "transactional", _("Booking message")
    REMINDER = "reminder", _("Reminder")
    MARKETING = "marketing", _("Marketing")
    STAFF = "staff", _("Message to staff")
    CONTACT = "contact", _("Contact form (wiped once delivered)")
    BREACH = "breach", _("Notice of a personal data breach")
    SIGN_IN = "sign_in", _("Portal sign-in link (the link is wiped once sent)")
    PRIVACY = "privacy", _("About the client's data-subject request")
    INVITATION = "invitation", _("Staff invitation (the link is wiped once sent)")


MessageChannel = Channel  # the channels a client allows marketing on are the channels messages go by

# Why a message was not sent (Message.error holds the code): the outbox shows these words, and the
# code itself only where it is a provider's own (an SMS gateway's or a mail server's) for support.
ERROR_LABELS = {
    "appointment_cancelled": _("The appointment was cancelled"),
    "rescheduled": _("The appointment was moved: a reminder for the new time replaces this one"),
    "not_allowed": _("The client can no longer be reached this way, or has not allowed it"),
    "recipient_refused": _("The mail server refused the address"),
    "sms_disabled": _("SMS is turned off in the message settings"),
    "requeued_after_interruption": _("Queued again after the sending was interrupted"),
    "worker_stopped": _("Sending was interrupted; not sent again, to avoid a duplicate"),
}
_PROVIDER_ERRORS = (("smtp_", _("The mail server could not be reached")),
                    (":", _("The SMS gateway did not accept the message")))


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    SKIPPED = "skipped", _("Not sent")
    INTERRUPTED = "interrupted", _("Interrupted: not resent, to avoid a duplicate")


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="client",
    fields={"client": _MSG, "recipient": _MSG, "subject": _MSG, "body": _MSG, "ics": _MSG, "sent_at": _MSG,
            "created_at": _MSG, "reply_to": _MSG},
    not_personal=["organization", "appointment", "campaign", "purpose", "kind", "channel", "language", "status",
                  "attempts", "next_attempt_at", "claim_token", "claimed_at", "provider_id", "provider_response",
                  "error", "dedupe_key", "segments"],
    not_exported=["claim_token", "ics", "reply_to"],  # reply_to: only on messages to staff, never to a client
)
class Message(TenantModel):
    """One email or SMS, from queued to sent (or skipped, failed, cancelled, interrupted).

    A message without an organization is Tilli's own (a sign-up's confirmation link, an operator's
    sign-up invitation): it goes to someone who has no organization yet and appears in no outbox page.
    """

    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("clients.Client", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="messages", verbose_name=_("client"))
    appointment = models.ForeignKey("booking.Appointment", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="messages")
    campaign = models.ForeignKey("notify.Campaign", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="messages")
    purpose = models.CharField(_("purpose"), max_length=15, choices=MessagePurpose.choices)
    kind = models.CharField(_("message"), max_length=30)
    channel = models.CharField(_("channel"), max_length=5, choices=MessageChannel.choices)
    recipient = models.CharField(_("to"), max_length=254)
    # Only until sending: a contact-form message answers to its sender, and the row is wiped once sent.
    reply_to = models.CharField(_("reply to"), max_length=254, null=True, blank=True)
    language = models.CharField(_("language"), max_length=5)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    ics = models.TextField(blank=True)
    segments = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(_("status"), max_length=12, choices=MessageStatus.choices,
                              default=MessageStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(_("to be sent"))
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    provider_response = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=100, blank=True)
    dedupe_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [models.UniqueConstraint(fields=["organization", "dedupe_key"], name="message_dedupe"),
                       models.UniqueConstraint(fields=["dedupe_key"], condition=models.Q(organization=None),
                                               name="message_dedupe_own")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="message_due"),
            models.Index(fields=["organization", "client", "-created_at"], name="message_client_recent"),
            models.Index(fields=["organization", "appointment", "status"], name="message_appointment"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} {self.pk}"

    @property
    def error_label(self) -> str:
        """Why the message was not sent, in words ('' if nothing went wrong)."""
        if not self.error:
            return ""
        if self.error in ERROR_LABELS:
            return str(ERROR_LABELS[self.error])
        return next((str(label) for mark, label in _PROVIDER_ERRORS if mark in self.error), _("Other error"))

    @property
    def error_code(self) -> str:
        """A provider's own error code, worth quoting to its support; '' for Tilli's own reasons."""
        return "" if self.error in ERROR_LABELS else self.error


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "sms_enabled", "sms_sender", "quiet_start", "quiet_end",
                             "notify_staff_of_online_bookings", "updated_at"])
class NotificationPolicy(TenantModel):
    """How an organization sends: whether SMS is used at all, the sender name, quiet hours."""

    sms_enabled = models.BooleanField(_("send SMS"), default=False)
    sms_sender = models.CharField(_("SMS sender name"), max_length=11, blank=True,
                                  help_text=_("Up to 11 letters or digits, e.g. the salon's name."))
    quiet_start = models.TimeField(_("no messages after"), default=dt.time(21, 0))
    quiet_end = models.TimeField(_("no messages before"), default=dt.time(8, 0))
    notify_staff_of_online_bookings = models.BooleanField(_("tell the staff member of each online booking"),
                                                          default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message settings")
        verbose_name_plural = _("message settings")
        constraints = [models.UniqueConstraint(fields=["organization"], name="notification_policy_unique")]

    def __str__(self) -> str:
        return f"policy {self.organization_id}"


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "service", "hours_before", "channel"])
class ReminderRule(TenantModel):
    """Send a reminder `hours_before` an appointment; rules of a service replace the organization's."""

    service = models.ForeignKey("booking.Service", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="reminder_rules",
                                help_text=_("Empty: every service without rules of its own."))
    hours_before = models.PositiveSmallIntegerField(_("hours before"),
                                                    validators=[MinValueValidator(1), MaxValueValidator(168)])
    channel = models.CharField(_("channel"), max_length=5, choices=MessageChannel.choices)

    class Meta:
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        constraints = [models.UniqueConstraint(fields=["organization", "service", "hours_before", "channel"],
                                               name="reminder_rule_unique")]
        ordering = ["-hours_before", "channel"]

    def __str__(self) -> str:
        return f"{self.hours_before} h {self.channel}"


class TemplateKind(models.TextChoices):
    CONFIRMED = "confirmed", _("Booking confirmed")
    MOVED = "moved", _("Booking moved")
    CANCELLED = "cancelled", _("Booking cancelled")
    REMINDER = "reminder", _("Reminder")
    STAFF_NEW_BOOKING = "staff_new_booking", _("New online booking (to staff)")


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "kind", "channel", "language", "subject", "body", "updated_at"])
class MessageTemplate(TenantModel):
    """An organization's own wording of a message in one language and channel (else Tilli's default)."""

    kind = models.CharField(_("message"), max_length=30, choices=TemplateKind.choices)
    channel = models.CharField(_("channel"), max_length=5, choices=MessageChannel.choices)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message wording")
        verbose_name_plural = _("message wordings")
        constraints = [models.UniqueConstraint(fields=["organization", "kind", "channel", "language"],
                                               name="message_template_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} {self.language}"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "name", "channel", "visited_within_days", "subject", "body", "status",
                             "created_by_user_id", "created_at", "sent_at", "recipient_count"])
class Campaign(TenantModel):
    """A marketing message to a segment of clients; it reaches only those who allowed the channel."""

    name = models.CharField(_("name"), max_length=120)
    channel = models.CharField(_("channel"), max_length=5, choices=MessageChannel.choices)
    visited_within_days = models.PositiveIntegerField(
        _("clients who visited within (days)"), default=365, validators=[MinValueValidator(1)])
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=CampaignStatus.choices,
                              default=CampaignStatus.DRAFT)
    created_by_user_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipient_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name


class WebhookStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Delivered")
    FAILED = "failed", _("Failed")


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "url", "secret", "event_types", "is_active", "created_at",
                             "created_by_user_id"])
class WebhookEndpoint(TenantModel):
    """An owner's HTTPS endpoint that receives the chosen event types, signed with its own secret."""

    url = models.URLField(_("address (https)"), max_length=500)
    secret = EncryptedTextField(_("signing secret"))
    event_types = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "endpoint", "delivery_id", "event", "body", "status", "attempts",
                             "next_attempt_at", "claim_token", "claimed_at", "response_status", "error", "sent_at",
                             "created_at", "replay_of"])
class WebhookDelivery(TenantModel):
    """One POST of one event to one endpoint: the body (event name and ids only) and what came of it."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.UUIDField(_("delivery id"), unique=True)  # the receiver's idempotency key
    event = models.CharField(_("event"), max_length=60)
    body = models.TextField()
    status = models.CharField(_("status"), max_length=10, choices=WebhookStatus.choices, default=WebhookStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("answer"), null=True, blank=True)
    error = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due"),
                   models.Index(fields=["organization", "-created_at"], name="webhook_recent")]
