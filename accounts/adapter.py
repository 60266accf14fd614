"""django-allauth adapters: no open sign-up (staff join only through an invitation); the client's
address from Tilli's one trusted-proxy rule; allauth's messages in the language of the page that shows
them; two-factor secrets sealed with the operator's master keys."""

from contextlib import nullcontext

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import translation

from accounts import mfa_secrets
from tenancy.language import chosen_language
from tilli.lib.client_ip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's throttles and session list count the address our logs record, not the proxy's."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def add_message(self, request: HttpRequest, *args, **kwargs) -> None:
        """"Successfully signed in as …" is written during the sign-in request, in the sign-in page's
        language, and shown on the next page, which speaks the member's: write it in theirs."""
        language = chosen_language(request)
        with translation.override(language) if language else nullcontext():
            super().add_message(request, *args, **kwargs)


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are stored sealed, never as the plain secret."""

    def encrypt(self, text: str) -> str:
        return mfa_secrets.seal(text)

    def decrypt(self, encrypted_text: str) -> str:
        return mfa_secrets.unseal(encrypted_text)
