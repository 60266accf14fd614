"""Staff users (email sign-in), the security log, and staff invitations."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.models import TenantModel
from kernel.registry import (
    PURPOSE_ACCESS_CONTROL,
    PURPOSE_SECURITY,
    RETENTION_INVITATION,
    RETENTION_MEMBERSHIP,
    RETENTION_SECURITY_LOG,
    Category,
    Erasure,
    LegalBasis,
    PersonalField,
    SubjectKind,
    personal_data,
)
from tenancy.roles import Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


_ACCOUNT = PersonalField(Category.IDENTITY, PURPOSE_ACCESS_CONTROL, LegalBasis.CONTRACT,
                         RETENTION_MEMBERSHIP, Erasure.ANONYMISE)
_ACCOUNT_USAGE = PersonalField(Category.USAGE, PURPOSE_SECURITY, LegalBasis.LEGITIMATE_INTEREST,
                               RETENTION_MEMBERSHIP, Erasure.ANONYMISE)


@personal_data(
    subject_kind=SubjectKind.STAFF,
    subject_path="self",
    fields={
        "email": PersonalField(Category.CONTACT, PURPOSE_ACCESS_CONTROL, LegalBasis.CONTRACT,
                               RETENTION_MEMBERSHIP, Erasure.ANONYMISE),
        "first_name": _ACCOUNT,
        "last_name": _ACCOUNT,
        "password": _ACCOUNT,
        "last_login": _ACCOUNT_USAGE,
        "date_joined": _ACCOUNT_USAGE,
        "preferred_language": _ACCOUNT,
        "password_changed_at": _ACCOUNT_USAGE,
    },
    not_personal=["is_active", "is_staff", "is_superuser", "groups", "user_permissions"],
)
class User(AbstractUser):
    """A person who signs in to the staff panel. `is_staff` means the Tilli operator."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    preferred_language = models.CharField(_("language"), max_length=5, blank=True)
    password_changed_at = models.DateTimeField(_("password changed"), default=timezone.now)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def set_password(self, raw_password: str | None) -> None:
        """Every way of setting a password dates it, for the optional maximum password age."""
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def password_expired(self) -> bool:
        from django.conf import settings

        days = settings.PASSWORD_MAX_AGE_DAYS
        return bool(days) and timezone.now() - self.password_changed_at > timedelta(days=days)


class SecurityEventKind(models.TextChoices):
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
    SIGN_OUT = "sign_out", _("Signed out")
    SIGNED_OUT_EVERYWHERE = "signed_out_all", _("Signed out everywhere")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    MFA_ENABLED = "mfa_enabled", _("Two-factor authentication turned on")
    MFA_DISABLED = "mfa_disabled", _("Two-factor authentication turned off")


_SECURITY = PersonalField(Category.USAGE, PURPOSE_SECURITY, LegalBasis.LEGITIMATE_INTEREST,
                          RETENTION_SECURITY_LOG, Erasure.DELETE)


@personal_data(
    subject_kind=SubjectKind.STAFF,
    subject_path="user",
    fields={"user": _SECURITY, "ip": _SECURITY, "user_agent": _SECURITY, "identifier_hash": _SECURITY},
    not_personal=["kind", "created_at"],
)
class SecurityEvent(models.Model):
    """A sign-in, failure or security change, with IP and browser, kept for a limited time.

    A failed sign-in for an unknown address stores only a keyed hash of it, so repeated
    attempts can be counted without keeping addresses people mistyped.
    """

    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="security_events")
    kind = models.CharField(max_length=20, choices=SecurityEventKind.choices)
    ip = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    identifier_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security log")
        indexes = [models.Index(fields=["user", "-created_at"], name="security_user_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


@personal_data(
    subject_kind=SubjectKind.STAFF,
    subject_path=None,
    fields={
        "email": PersonalField(Category.CONTACT, PURPOSE_ACCESS_CONTROL, LegalBasis.CONTRACT,
                               RETENTION_INVITATION, Erasure.DELETE),
    },
    not_personal=["organization", "role", "token_hash", "invited_by", "created_at", "expires_at",
                  "accepted_at", "revoked_at"],
)
class Invitation(TenantModel):
    """An owner's invitation for a person to join as staff; the token is stored hashed."""

    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["organization", "-created_at"], name="invitation_recent")]

    @property
    def is_open(self) -> bool:
        from django.utils import timezone

        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()
