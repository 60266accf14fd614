"""Pages anyone may open (client portal, booking page): the organization from the URL, in a language
it offers its customers.

Which one: the language the visitor chose with the language menu, else the signed-in client's own,
else the first one the browser asks for (Accept-Language: sv-FI gets Swedish, en-GB English), else
the organization's default; each only if the organization offers it (Organization.public_languages).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from tenancy.models import Organization
from tenancy.status import ensure_open


def public_language(request: HttpRequest, organization: Organization, client=None) -> str:
    offered = organization.public_language_codes
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen in offered:
        return chosen
    if client is not None and client.preferred_language in offered:
        return client.preferred_language
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")[:500]):
        for candidate in (code, code.partition("-")[0]):  # sv-fi, then sv
            if candidate in offered:
                return candidate
    return organization.default_language if organization.default_language in offered else offered[0]


def public_organization(slug: str, request: HttpRequest | None = None, client=None, *,
                        while_unavailable: bool = False) -> Organization:
    """The organization with this slug (404 otherwise); with a request, its language is activated.

    One that is not served (suspended, contract ended) raises `OrganizationUnavailable`, after its
    language is activated, so the refusal speaks the visitor's language; only pages a person must
    reach whatever the organization's standing (its privacy notice, a marketing unsubscribe) pass
    `while_unavailable`."""
    organization = get_object_or_404(Organization, slug=slug)
    if request is not None:
        language = public_language(request, organization, client)
        translation.activate(language)
        request.LANGUAGE_CODE = language
    return organization if while_unavailable else ensure_open(organization)
