"""API tokens: one per staff member and purpose, stored as a hash, revocable, and expiring."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.models import TenantModel
from kernel.registry import (
    PURPOSE_SECURITY,
    RETENTION_MEMBERSHIP,
    Category,
    Erasure,
    LegalBasis,
    PersonalField,
    SubjectKind,
    personal_data,
)
from tenancy.models import Membership


def default_expiry() -> datetime:
    """API_TOKEN_DEFAULT_DAYS from now: what a token gets unless its creator chose, and what the migration
    that introduced expiry gave every token that existed before."""
    return timezone.now() + timedelta(days=settings.API_TOKEN_DEFAULT_DAYS)


@personal_data(
    subject_kind=SubjectKind.STAFF,
    subject_path="membership__user",
    fields={"last_used_at": PersonalField(Category.USAGE, PURPOSE_SECURITY, LegalBasis.LEGITIMATE_INTEREST,
                                          RETENTION_MEMBERSHIP, Erasure.DELETE)},
    not_personal=["organization", "membership", "name", "prefix", "token_hash", "created_at", "revoked_at",
                  "expires_at"],
)
class ApiToken(TenantModel):
    """A bearer token acting as one staff member in one organization, with that member's role."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), default=default_expiry)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["organization", "membership"], name="apitoken_member")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
