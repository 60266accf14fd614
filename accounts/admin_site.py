"""The operator's admin, behind the same sign-in as the panel and a second factor.

Django's admin has its own password form with no throttle and no second factor. Here it has none:
its sign-in page sends the visitor to allauth's (the same rate limits, the same TOTP step, the same
security log), and every admin page needs a staff account that has a second factor and used it in
this session (at sign-in or by re-authenticating), so a password alone never opens the admin.
"""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts.middleware import SECOND_FACTORS, is_operator, passed_second_factor


class OperatorAdminSite(admin.AdminSite):
    site_header = "Tilli operator"

    def has_permission(self, request: HttpRequest) -> bool:
        return is_operator(request)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponseRedirect:
        """Never checks a password itself: sends the visitor to the step they still miss."""
        next_url = self._next_url(request)
        return operator_gate(request, next_url) or HttpResponseRedirect(next_url)

    def _next_url(self, request: HttpRequest) -> str:
        wanted = request.GET.get(REDIRECT_FIELD_NAME, "")
        if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                                      require_https=request.is_secure()):
            return wanted
        return reverse("admin:index", current_app=self.name)


def operator_gate(request: HttpRequest, next_url: str) -> HttpResponseRedirect | None:
    """None for the operator's staff (`is_operator`); else the step they still miss, shared by the admin and
    the console: sign in, set up a second factor, or enter it again in this session. Anyone else who is
    signed in is refused (PermissionDenied)."""
    user = request.user
    if not user.is_authenticated:
        return _with_next(resolve_url(settings.LOGIN_URL), next_url)
    if not (user.is_active and user.is_staff):
        raise PermissionDenied
    if not is_mfa_enabled(user, SECOND_FACTORS):
        messages.warning(request, _("The operator admin requires two-factor authentication. "
                                    "Set it up to continue."))
        return HttpResponseRedirect(reverse("mfa_activate_totp"))
    if not passed_second_factor(request):
        return _with_next(reverse("mfa_reauthenticate"), next_url)
    return None


def _with_next(url: str, next_url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
