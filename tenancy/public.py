"""Pages anyone may open (client portal, booking page): the organization from the URL, in its language."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import translation

from tenancy.models import Organization


def public_organization(slug: str, request: HttpRequest | None = None, client=None) -> Organization:
    """The organization with this slug (404 otherwise); its language, or the client's, is used
    unless the visitor chose one with the language menu."""
    organization = get_object_or_404(Organization, slug=slug)
    if request is not None and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        language = (client.preferred_language if client else "") or organization.default_language
        translation.activate(language)
        request.LANGUAGE_CODE = language
    return organization
