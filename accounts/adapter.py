"""django-allauth adapter: no open sign-up; staff join only through an invitation; allauth's
messages in the language of the page that shows them."""

from contextlib import nullcontext

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.utils import translation

from tenancy.language import chosen_language


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def add_message(self, request: HttpRequest, *args, **kwargs) -> None:
        """"Successfully signed in as …" is written during the sign-in request, in the sign-in page's
        language, and shown on the next page, which speaks the member's: write it in theirs."""
        language = chosen_language(request)
        with translation.override(language) if language else nullcontext():
            super().add_message(request, *args, **kwargs)
