"""Bearer-token authentication that resolves the organization and role of the caller."""

from __future__ import annotations

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja.security import APIKeyHeader, HttpBearer
from ninja.utils import check_csrf

from accounts.middleware import SECOND_FACTORS
from api.errors import ApiError
from api.services import api_token_authenticate
from tenancy.language import chosen_language
from tenancy.models import Membership
from tenancy.roles import Perm
from tenancy.status import ensure_open, support_membership


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        api_token = api_token_authenticate(token)
        if api_token is None:
            return None
        membership = api_token.membership
        ensure_open(membership.organization)  # a suspended organization's API answers 409
        request.user = membership.user
        request.membership = membership
        request.organization = membership.organization
        request.api_token = api_token
        return api_token


def require(request: HttpRequest, perm: Perm) -> None:
    if not request.membership.has_perm(perm):
        raise ApiError(403, "forbidden", _("Your role does not allow this."))


class PanelSession(APIKeyHeader):
    """The panel's own pages (the calendar) call the API as the signed-in member.

    The organization's slug travels in the `X-Tilli-Organization` header, as it does in a panel
    URL; the member must be active in it, with the same conditions the panel sets (two-factor
    sign-in for the roles that need it, a password within the policy's age). Writes also need the
    CSRF token, exactly as a panel form does.
    """

    param_name = "X-Tilli-Organization"

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if not key or user is None or not user.is_authenticated:
            return None
        membership = (Membership.objects.select_related("organization")
                      .filter(organization__slug=key, user=user, is_active=True).first())
        if membership is None and getattr(request, "is_operator", False):
            membership = support_membership(key, user)  # the calendar's reads during a support access
        if membership is None:
            return None
        ensure_open(membership.organization)
        if membership.role in settings.MFA_REQUIRED_ROLES and not is_mfa_enabled(user, SECOND_FACTORS):
            raise ApiError(403, "mfa_required", _("Your role requires two-factor authentication."))
        if user.password_expired():
            raise ApiError(403, "password_expired", _("Your password must be changed first."))
        if request.method not in ("GET", "HEAD", "OPTIONS") and check_csrf(request) is not None:
            raise ApiError(403, "csrf", _("The page has expired. Reload it and try again."))
        request.membership = membership
        request.organization = membership.organization
        timezone.activate(membership.organization.time_zone)
        language = chosen_language(request, membership.organization)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return membership
