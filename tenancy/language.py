"""Which language a signed-in staff member's pages speak, unless they chose one with the language menu.

Their own preferred language, else their organization's. The same answer on every page: the panel
(/o/<slug>/), the account and security pages (/accounts/...), and the message allauth writes at
sign-in, which is shown on the next page and so must be written in that page's language.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from tenancy.models import Membership, Organization


def staff_language(user, organization: Organization | None = None) -> str:
    """The user's preferred language, else the default language of `organization` (or of their first
    organization); '' when neither is known."""
    if user.preferred_language:
        return user.preferred_language
    if organization is None:
        membership = (Membership.objects.select_related("organization").filter(user=user, is_active=True)
                      .order_by("pk").first())
        organization = membership.organization if membership else None
    return organization.default_language if organization else ""


def chosen_language(request: HttpRequest, organization: Organization | None = None) -> str:
    """The staff member's language for this request: '' when they chose one (the cookie decides) or are
    not signed in (the browser's Accept-Language decides)."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES or not request.user.is_authenticated:
        return ""
    return staff_language(request.user, organization)
