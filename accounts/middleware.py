"""Owners (and any role in MFA_REQUIRED_ROLES) must turn on two-factor sign-in first.

Until they do, every page of their organization's panel sends them to the setup page;
the account pages themselves and sign-out stay reachable.
"""

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _

SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def passed_second_factor(request: HttpRequest) -> bool:
    """Whether the signed-in person entered a second factor in this session."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def is_operator(request: HttpRequest) -> bool:
    """The operator's rule, shared by its admin and its console: an active staff account that has a second
    factor and used it in this session (at sign-in or by re-authenticating); a password alone never counts."""
    user = request.user
    return bool(user.is_authenticated and user.is_active and user.is_staff
                and is_mfa_enabled(user, SECOND_FACTORS) and passed_second_factor(request))


class OperatorSessionMiddleware:
    """Marks a request made by the operator's staff under its rule (`request.is_operator`), before the
    organization is resolved: an open support access counts only for such a session (tenancy.middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.is_operator = bool(getattr(request, "user", None) and request.user.is_authenticated
                                   and request.user.is_staff and is_operator(request))
        return self.get_response(request)


class OwnerMfaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        membership = getattr(request, "membership", None)
        if membership is None or membership.role not in settings.MFA_REQUIRED_ROLES:
            return None
        if getattr(request, "api_token", None) is not None:
            return None
        # The same factors that allauth asks for at sign-in: recovery codes left behind
        # without an authenticator would otherwise count as two-factor sign-in.
        if is_mfa_enabled(request.user, SECOND_FACTORS):
            return None
        messages.warning(request, _("Your role requires two-factor authentication. Set it up to continue."))
        return redirect("mfa_activate_totp")


class PasswordAgeMiddleware:
    """Where PASSWORD_MAX_AGE_DAYS is set (a customer's policy may demand periodic change),
    a staff member with an older password must change it before using the panel."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(request, "membership", None) is None or getattr(request, "api_token", None) is not None:
            return None
        if not request.user.password_expired():
            return None
        messages.warning(request, _("Your password is older than your organization's policy allows. "
                                    "Choose a new one to continue."))
        return redirect("account_change_password")
