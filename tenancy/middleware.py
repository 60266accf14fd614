"""Resolve the organization of every panel request from the URL and the user's membership.

Panel URLs start with /o/<org_slug>/. A visitor who is not an active member of that
organization gets the same 404 whether or not it exists, so slugs reveal nothing.
The organization's time zone and (unless the user chose one) language are activated; on
pages outside an organization a signed-in member's pages speak their language too.
"""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone, translation

from tenancy.language import chosen_language
from tenancy.models import Membership
from tenancy.status import OrganizationUnavailable, ensure_open, support_membership


class OrganizationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = None
        request.membership = None
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.pop("org_slug", None)
        if slug is None:
            _activate(request, chosen_language(request))  # account pages speak the panel's language
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = (
            Membership.objects.select_related("organization")
            .filter(organization__slug=slug, user=request.user, is_active=True)
            .first()
        )
        if membership is None and getattr(request, "is_operator", False):
            membership = support_membership(slug, request.user)
        if membership is None:
            raise Http404
        timezone.activate(membership.organization.time_zone)
        _activate(request, chosen_language(request, membership.organization))
        try:
            ensure_open(membership.organization)
        except OrganizationUnavailable as error:
            return unavailable_page(request, error)
        request.organization = membership.organization
        request.membership = membership
        return None

    def process_exception(self, request, exception):
        """A public page (portal, booking) of an organization that is not served."""
        if isinstance(exception, OrganizationUnavailable):
            return unavailable_page(request, exception)
        return None


def unavailable_page(request, error: OrganizationUnavailable):
    return render(request, "unavailable.html", {"message": error.message, "name": error.organization_name},
                  status=409)


def _activate(request, language: str) -> None:
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language
