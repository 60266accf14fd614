"""Online prepayment, deposits and card guarantees (issue 18): the policy a service is booked under, and the
payments, refunds and notifications that go through a payment gateway (billing/gateways).

A payment is made on the provider's hosted page; Tilli keeps only the provider's references, the amount and
the outcome. The payment's `stamp` is our reference at the provider and in every URL of the flow: random, not
derived from the client, the organization or the appointment. Payment references are personal data (they
point at the payer's transaction at the provider): kept with the receipts for the accounting period and
restricted after an erasure.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.models.accounting import KEPT
from kernel.models import TenantModel
from kernel.registry import SubjectKind, personal_data


class PolicyKind(models.TextChoices):
    NONE = "none", _("No payment when booking")
    PREPAYMENT = "prepayment", _("Full prepayment")
    DEPOSIT = "deposit", _("Deposit")
    CARD_GUARANTEE = "card", _("Card guarantee")


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "service", "kind", "deposit_amount", "deposit_percent",
                             "no_show_fee", "free_cancellation_hours", "text", "translations", "version",
                             "updated_at"])
class PaymentPolicy(TenantModel):
    """What a booking of `service` asks for (the organization's default when `service` is None).

    `text` is the wording the customer sees before paying, in the organization's default language;
    `translations` holds it in the booking page's other languages ({"text": {"sv": "…", "en": "…"}}, the shape of
    `Service.translations`), and a customer reads their own language, else the default one (`tilli.lib.translated`).
    `version` goes up with every change of any language's wording or of the terms, and each payment stores the text
    the customer saw (in their language) and the version it was made under (as consents store their wording version).
    """

    service = models.OneToOneField("booking.Service", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="+", verbose_name=_("service"))
    kind = models.CharField(_("payment when booking"), max_length=12, choices=PolicyKind.choices,
                            default=PolicyKind.NONE)
    deposit_amount = models.DecimalField(_("deposit (amount)"), max_digits=10, decimal_places=2, null=True,
                                         blank=True)
    # xgettext:no-python-format
    deposit_percent = models.DecimalField(_("deposit (% of the price)"), max_digits=5, decimal_places=2,
                                          null=True, blank=True)
    no_show_fee = models.DecimalField(_("late cancellation and no-show fee"), max_digits=10, decimal_places=2,
                                      null=True, blank=True)
    free_cancellation_hours = models.PositiveSmallIntegerField(_("free cancellation until (hours before)"),
                                                               default=24)
    text = models.TextField(_("policy shown to the customer"), blank=True)
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payment policy")
        verbose_name_plural = _("payment policies")
        constraints = [models.UniqueConstraint(fields=["organization"], condition=models.Q(service=None),
                                               name="payment_policy_one_default")]


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "gateway", "enabled", "connected_at", "connected_by_user_id"])
class GatewayConnection(TenantModel):
    """The organization takes online payments through `gateway` (one the deployment's settings offer).

    The credentials are the deployment's, in settings only; this row is the owner's choice to use them.
    """

    gateway = models.CharField(_("gateway"), max_length=20)
    enabled = models.BooleanField(_("in use"), default=True)
    connected_at = models.DateTimeField(_("connected"))
    connected_by_user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("payment gateway connection")
        verbose_name_plural = _("payment gateway connections")
        constraints = [models.UniqueConstraint(fields=["organization", "gateway"],
                                               name="gateway_connection_unique")]


class OnlinePaymentKind(models.TextChoices):
    PREPAYMENT = "prepayment", _("Prepayment")
    DEPOSIT = "deposit", _("Deposit")
    CARD_SETUP = "card_setup", _("Card saved as a guarantee")
    NO_SHOW_FEE = "fee", _("No-show or late cancellation fee")


class OnlinePaymentStatus(models.TextChoices):
    STARTED = "started", _("Awaiting payment")
    PENDING = "pending", _("Payment in progress")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    LAPSED = "lapsed", _("Not paid in time")
    REFUNDED = "refunded", _("Refunded")
    PARTLY_REFUNDED = "partly_refunded", _("Partly refunded")
    KEPT = "kept", _("Kept under the policy")


_ONLINE_PERSONAL = ("client", "appointment", "provider_ref", "customer_ref", "payment_method_ref")


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="client", kept_since="created_at",
    fields={name: KEPT for name in _ONLINE_PERSONAL},
    not_personal=["organization", "stamp", "gateway", "kind", "status", "amount", "currency", "refunded",
                  "test_mode", "policy_text", "policy_version", "free_cancellation_until", "hold_until",
                  "sale", "failure_code", "created_at", "paid_at", "restricted_until"],
)
class OnlinePayment(TenantModel):
    stamp = models.CharField(max_length=40, unique=True)  # our reference at the provider (random)
    gateway = models.CharField(_("gateway"), max_length=20)
    kind = models.CharField(_("kind"), max_length=12, choices=OnlinePaymentKind.choices)
    status = models.CharField(_("status"), max_length=16, choices=OnlinePaymentStatus.choices,
                              default=OnlinePaymentStatus.STARTED)
    client = models.ForeignKey("clients.Client", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="online_payments", verbose_name=_("client"))
    appointment = models.ForeignKey("booking.Appointment", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="online_payments", verbose_name=_("appointment"))
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    refunded = models.DecimalField(_("refunded"), max_digits=10, decimal_places=2, default=0)
    test_mode = models.BooleanField(_("test mode"), default=True)
    provider_ref = models.CharField(_("payment reference"), max_length=120, blank=True)
    customer_ref = models.CharField(_("customer reference at the gateway"), max_length=120,
                                    blank=True)  # Stripe customer of a card on file
    payment_method_ref = models.CharField(_("saved card reference"), max_length=120,
                                          blank=True)  # the card on file at the gateway (never card data)
    policy_text = models.TextField(_("policy accepted"), blank=True)
    policy_version = models.PositiveIntegerField(default=0)
    free_cancellation_until = models.DateTimeField(_("free cancellation until"), null=True, blank=True)
    hold_until = models.DateTimeField(_("time held until"), null=True, blank=True)
    sale = models.ForeignKey("billing.Sale", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("receipt"))
    failure_code = models.CharField(max_length=100, blank=True)  # a gateway error code, never personal data
    created_at = models.DateTimeField(_("created"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    restricted_until = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("online payment")
        verbose_name_plural = _("online payments")
        indexes = [models.Index(fields=["organization", "status", "-created_at"], name="online_payment_status"),
                   models.Index(fields=["organization", "appointment"], name="online_payment_appointment")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    PENDING = "pending", _("In progress at the gateway")
    DONE = "done", _("Refunded")
    FAILED = "failed", _("Failed")


@personal_data(
    subject_kind=SubjectKind.CLIENT, subject_path="payment__client", kept_since="requested_at",
    fields={"payment": KEPT, "provider_ref": KEPT},
    not_personal=["organization", "stamp", "amount", "status", "reason", "credit", "failure_code",
                  "requested_at", "done_at", "requested_by_user_id"],
)
class OnlineRefund(TenantModel):
    payment = models.ForeignKey(OnlinePayment, on_delete=models.PROTECT, related_name="refunds",
                                verbose_name=_("online payment"))
    stamp = models.CharField(max_length=40, unique=True)  # our refund reference and idempotency key
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=RefundStatus.choices,
                              default=RefundStatus.REQUESTED)
    reason = models.CharField(_("reason"), max_length=200)
    provider_ref = models.CharField(_("refund reference"), max_length=120, blank=True)
    credit = models.ForeignKey("billing.Sale", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("credit receipt"))
    failure_code = models.CharField(max_length=100, blank=True)
    requested_at = models.DateTimeField(_("requested"))
    done_at = models.DateTimeField(null=True, blank=True)
    requested_by_user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("online refund")
        verbose_name_plural = _("online refunds")


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "gateway", "event_id", "received_at"])
class GatewayNotice(TenantModel):
    """A gateway notification already acted on: a replay of the same event id is refused.

    Written in the transaction that acts on it, once it verified and its payment (so its organization) is known.
    """

    gateway = models.CharField(max_length=20)
    event_id = models.CharField(max_length=200)
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("gateway notification seen")
        verbose_name_plural = _("gateway notifications seen")
        constraints = [models.UniqueConstraint(fields=["gateway", "event_id"], name="gateway_notice_unique")]

    def __str__(self) -> str:
        return f"{self.gateway} {self.event_id}"
