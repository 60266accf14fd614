"""Organizations (the controllers), their staff memberships and keys.

Every tenant-owned table stands on the kernel's `TenantModel` (kernel/models.py): it carries
`organization` and is reached through `Model.objects.for_organization(org)`; its indexes and unique
constraints start with the organization, so tenants can later be sharded by it.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.models import TenantModel
from kernel.registry import (
    PURPOSE_ACCESS_CONTROL,
    PURPOSE_ACCOUNTABILITY,
    PURPOSE_CONTROLLER_INFO,
    RETENTION_AUDIT,
    RETENTION_MEMBERSHIP,
    RETENTION_ORGANIZATION,
    RETENTION_SIGNUP,
    Category,
    Erasure,
    LegalBasis,
    PersonalField,
    SubjectKind,
    personal_data,
)
from tenancy.roles import Role, role_has_perm
from tenancy.validators import normalise_business_id
from tilli.lib.text import validate_clean_text


def every_language() -> list[str]:
    """Every language Tilli speaks: the default for what an organization's public pages offer."""
    return [code for code, _name in settings.LANGUAGES]


class OrganizationStatus(models.TextChoices):
    """Where an organization stands with the operator; only an active one is served (tenancy.status)."""

    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CONTRACT_ENDED = "contract_ended", _("Contract ended")


class Plan(models.TextChoices):
    TRIAL = "trial", _("Trial")
    STANDARD = "standard", _("Standard")


class Country(models.TextChoices):
    FINLAND = "FI", _("Finland")
    POLAND = "PL", _("Poland")


def _validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Choose a valid time zone, e.g. Europe/Helsinki."), code="time_zone")


_CONTROLLER_CONTACT = PersonalField(
    Category.CONTACT, PURPOSE_CONTROLLER_INFO, LegalBasis.LEGAL_OBLIGATION, RETENTION_ORGANIZATION, Erasure.ANONYMISE
)


@personal_data(
    subject_kind=SubjectKind.CONTACT,
    subject_path=None,
    fields={
        "privacy_contact_name": _CONTROLLER_CONTACT,
        "privacy_contact_email": _CONTROLLER_CONTACT,
        "privacy_contact_phone": _CONTROLLER_CONTACT,
        "dpo_name": _CONTROLLER_CONTACT,
        "dpo_email": _CONTROLLER_CONTACT,
    },
    not_personal=["name", "slug", "business_id", "country", "street_address", "postal_code", "city",
                  "default_language", "time_zone", "national_id_enabled", "is_demo", "created_at",
                  "keeps_patient_records", "full_listings_per_year", "inactive_client_years", "public_languages",
                  "status", "status_reason", "status_changed_at", "plan"],
)
class Organization(models.Model):
    """A business using Tilli: the controller of its clients' data (Tilli is its processor)."""

    name = models.CharField(_("name"), max_length=200, validators=[validate_clean_text])
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    business_id = models.CharField(_("business ID"), max_length=20)
    street_address = models.CharField(_("street address"), max_length=200, blank=True, validators=[validate_clean_text])
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True, validators=[validate_clean_text])
    default_language = models.CharField(_("default language"), max_length=5, choices=settings.LANGUAGES)
    public_languages = models.JSONField(
        _("languages of the booking page and client portal"), default=every_language,
        help_text=_("Customers get the first of these their browser asks for, else the default language, and "
                    "can switch between them."))
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[_validate_time_zone])
    privacy_contact_name = models.CharField(_("privacy contact person"), max_length=200, blank=True,
                                            validators=[validate_clean_text])
    privacy_contact_email = models.EmailField(_("privacy contact email"), blank=True)
    privacy_contact_phone = models.CharField(_("privacy contact phone"), max_length=40, blank=True)
    dpo_name = models.CharField(_("data protection officer"), max_length=200, blank=True,
                                validators=[validate_clean_text])
    dpo_email = models.EmailField(_("data protection officer's email"), blank=True)
    national_id_enabled = models.BooleanField(
        _("store national identity numbers"), default=False,
        help_text=_("Only where a treatment relationship needs unambiguous identification."))
    keeps_patient_records = models.BooleanField(
        _("we are a health-care provider that must keep patient records"), default=False,
        help_text=_("Then treatment notes are kept, restricted, for the period the law sets even when a client asks "
                    "for erasure."))
    full_listings_per_year = models.PositiveSmallIntegerField(
        _("full listings per client per year"), null=True, blank=True,
        help_text=_("A copy request over this number is flagged for your decision, never refused automatically. "
                    "Leave empty for no limit."))
    inactive_client_years = models.PositiveSmallIntegerField(
        _("anonymise clients inactive for (years)"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)])
    is_demo = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    plan = models.CharField(_("plan"), max_length=20, choices=Plan.choices, default=Plan.STANDARD)
    status = models.CharField(_("status"), max_length=20, choices=OrganizationStatus.choices,
                              default=OrganizationStatus.ACTIVE, editable=False)
    status_reason = models.CharField(_("reason for the status"), max_length=500, blank=True, editable=False)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name

    @property
    def public_language_codes(self) -> list[str]:
        """The languages its customers' pages speak, in Tilli's order; never empty."""
        chosen = set(self.public_languages or ())
        return [code for code, _name in settings.LANGUAGES if code in chosen] or [self.default_language]

    def clean(self) -> None:
        known = {code for code, _name in settings.LANGUAGES}
        languages = self.public_languages
        if not isinstance(languages, list) or not languages or not set(languages) <= known:
            raise ValidationError({"public_languages": _("Choose at least one language.")})
        if self.default_language and self.default_language not in languages:
            raise ValidationError({"public_languages": _("Include the default language.")})
        if self.country and self.business_id:
            try:
                self.business_id = normalise_business_id(self.country, self.business_id)
            except ValidationError as error:
                raise ValidationError({"business_id": error}) from None


@personal_data(
    subject_kind=SubjectKind.STAFF,
    subject_path="user",
    fields={
        "user": PersonalField(Category.IDENTITY, PURPOSE_ACCESS_CONTROL, LegalBasis.CONTRACT,
                              RETENTION_MEMBERSHIP, Erasure.DELETE),
        "role": PersonalField(Category.USAGE, PURPOSE_ACCESS_CONTROL, LegalBasis.CONTRACT,
                              RETENTION_MEMBERSHIP, Erasure.DELETE),
    },
    not_personal=["organization", "is_active", "created_at"],
)
class Membership(TenantModel):
    """A person's place in an organization: their role decides what they may see."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    def has_perm(self, perm) -> bool:
        return self.is_active and role_has_perm(self.role, perm)


class KeyPurpose(models.TextChoices):
    DATA = "data", _("Encrypts protected fields")
    INDEX = "index", _("Keys the blind indexes for exact search")


@personal_data(subject_kind=None, subject_path=None, fields={},
               not_personal=["organization", "purpose", "version", "master_key_id", "wrapped", "created_at",
                             "retired_at"])
class OrganizationKey(TenantModel):
    """One of an organization's keys, stored only wrapped (encrypted) by a master key.

    Data keys rotate by adding a version and re-encrypting; master keys rotate by
    rewrapping these rows. Deleting an organization's rows makes its protected data
    unreadable everywhere, backups included (crypto-shredding).
    """

    purpose = models.CharField(max_length=10, choices=KeyPurpose.choices)
    version = models.PositiveIntegerField()
    master_key_id = models.CharField(max_length=20)
    wrapped = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("organization key")
        verbose_name_plural = _("organization keys")
        constraints = [models.UniqueConstraint(fields=["organization", "purpose", "version"],
                                               name="orgkey_unique_version")]

    def __str__(self) -> str:
        return f"{self.purpose} v{self.version}"


@personal_data(subject_kind=None, subject_path=None, fields={}, not_personal=["key_hash", "hits", "expires_at"])
class RateCounter(models.Model):
    """One fixed window of one request limit (tenancy.ratelimit): how many requests it has counted.

    `key_hash` is a keyed hash of the limit's name and window, so no address or email is stored; rows
    are deleted once their window has passed.
    """

    key_hash = models.CharField(max_length=64, unique=True)
    hits = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("request limit counter")
        verbose_name_plural = _("request limit counters")

    def __str__(self) -> str:
        return f"{self.key_hash[:8]} {self.hits}"


_SIGNUP = PersonalField(Category.IDENTITY, PURPOSE_ACCESS_CONTROL, LegalBasis.CONTRACT, RETENTION_SIGNUP,
                        Erasure.DELETE)

_SUPPORT_TRACE = PersonalField(Category.USAGE, PURPOSE_ACCOUNTABILITY, LegalBasis.LEGAL_OBLIGATION, RETENTION_AUDIT,
                               Erasure.KEEP_RESTRICTED,
                               legal_ground=_("GDPR Art. 28(3) and 32: proof of when the processor's staff had access"))


@personal_data(
    subject_kind=SubjectKind.STAFF,
    subject_path=None,
    fields={"email": PersonalField(Category.CONTACT, PURPOSE_ACCESS_CONTROL, LegalBasis.CONTRACT, RETENTION_SIGNUP,
                                   Erasure.DELETE)},
    not_personal=["language", "token_hash", "created_at", "expires_at", "used_at"],
)
class SignupInvitation(models.Model):
    """The operator's single-use invitation for a business to sign up (SIGNUP_MODE = invitation).

    The token is stored hashed; the link exists in clear only in the email the worker sends.
    """

    email = models.EmailField(_("email address"))
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up invitation")
        verbose_name_plural = _("sign-up invitations")

    def __str__(self) -> str:
        return f"sign-up invitation {self.pk}"


@personal_data(
    subject_kind=SubjectKind.STAFF,
    subject_path=None,
    fields={"email": _SIGNUP, "first_name": _SIGNUP, "last_name": _SIGNUP},
    not_personal=["organization_name", "country", "business_id", "street_address", "postal_code", "city",
                  "default_language", "time_zone", "invitation", "token_hash", "created_at", "expires_at",
                  "link_sent_at", "confirmed_at"],
)
class SignupRequest(models.Model):
    """A business's sign-up waiting for its email to be confirmed; nothing of the organization exists yet.

    The organization and its owner are created only when the mailed link is used (tenancy.signup),
    so an unconfirmed address never owns anything. Rows are deleted RETENTION_SIGNUP after they were made.
    """

    email = models.EmailField(_("email address"))
    first_name = models.CharField(_("first name"), max_length=150, validators=[validate_clean_text])
    last_name = models.CharField(_("last name"), max_length=150, validators=[validate_clean_text])
    organization_name = models.CharField(_("business name"), max_length=200, validators=[validate_clean_text])
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    business_id = models.CharField(_("business ID"), max_length=20)
    street_address = models.CharField(_("street address"), max_length=200, validators=[validate_clean_text])
    postal_code = models.CharField(_("postal code"), max_length=20)
    city = models.CharField(_("city"), max_length=100, validators=[validate_clean_text])
    default_language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[_validate_time_zone])
    invitation = models.ForeignKey(SignupInvitation, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    link_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-up request")
        verbose_name_plural = _("sign-up requests")

    def __str__(self) -> str:
        return f"sign-up request {self.pk}"


@personal_data(subject_kind=None, subject_path=None, fields={}, not_personal=["organization", "hidden_at"])
class SetupChecklistHidden(TenantModel):
    """The owner hid the completed setup checklist from the dashboard (web.setup_checklist)."""

    hidden_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hidden setup checklist")
        verbose_name_plural = _("hidden setup checklists")
        constraints = [models.UniqueConstraint(fields=["organization"], name="setup_checklist_hidden_unique")]

    def __str__(self) -> str:
        return f"checklist hidden {self.organization_id}"


@personal_data(
    subject_kind=SubjectKind.STAFF,
    subject_path="operator",
    fields={"operator": _SUPPORT_TRACE, "reason": _SUPPORT_TRACE, "ended_by_label": _SUPPORT_TRACE},
    not_personal=["organization", "starts_at", "ends_at", "ended_at", "created_at"],
)
class SupportAccess(TenantModel):
    """A window in which one of the operator's staff may open this organization's panel (read only).

    Granted with a reason by the operator (tenancy.status.support_access_grant), written to the
    organization's audit log, shown to its owners, who may end it at once.
    """

    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("operator's staff member"))
    reason = models.CharField(_("reason"), max_length=500, validators=[validate_clean_text])
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by_label = models.CharField(_("ended by"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("support access")
        verbose_name_plural = _("support accesses")
        indexes = [models.Index(fields=["organization", "operator", "ends_at"], name="support_open")]

    def __str__(self) -> str:
        return f"support {self.pk}"

    def is_open(self, now) -> bool:
        return self.ended_at is None and self.starts_at <= now < self.ends_at
