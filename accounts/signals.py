"""Receivers that feed the security log from Django's and allauth's sign-in signals."""

from allauth.account.signals import password_changed, password_reset
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authentication_failed, authenticator_added, authenticator_removed
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.models import SecurityEventKind
from accounts.security_log import log_security_event


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    log_security_event(request=request, kind=SecurityEventKind.SIGN_IN, user=user)


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        log_security_event(request=request, kind=SecurityEventKind.SIGN_OUT, user=user)


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    identifier = credentials.get("email") or credentials.get("username") or ""
    user = get_user_model().objects.filter(email__iexact=identifier).first() if identifier else None
    log_security_event(request=request, kind=SecurityEventKind.SIGN_IN_FAILED, user=user, identifier=identifier)


@receiver(password_changed)
@receiver(password_reset)
def _password_changed(sender, request, user, **kwargs):
    log_security_event(request=request, kind=SecurityEventKind.PASSWORD_CHANGED, user=user)


# allauth adds (and removes) recovery codes together with the first (last) authenticator;
# they are not a second factor being turned on or off, so they would only log it twice.
@receiver(authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs):
    if authenticator.type != Authenticator.Type.RECOVERY_CODES:
        log_security_event(request=request, kind=SecurityEventKind.MFA_ENABLED, user=user)


@receiver(authenticator_removed)
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    if authenticator.type != Authenticator.Type.RECOVERY_CODES:
        log_security_event(request=request, kind=SecurityEventKind.MFA_DISABLED, user=user)


@receiver(authentication_failed)
def _mfa_code_failed(sender, request, user, authenticator, **kwargs):
    """A wrong two-factor code is a failed sign-in too (the password was right)."""
    log_security_event(request=request, kind=SecurityEventKind.SIGN_IN_FAILED, user=user)
