"""The public sign-up pages: a business asks, confirms its email, chooses the owner's password.

They only present: `tenancy.signup` does the work. Every answer to a valid request is the same page,
whether or not the address or business ID is registered (the worker decides what to mail).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tenancy.public_writes import WriteRefused, count_public_write
from tenancy.ratelimit import over_limit
from tenancy.signup import SignupClosed, invitation_for_token, organization_sign_up, signup_for_token, signup_request
from tilli.lib.client_ip import client_ip
from web.form_errors import apply_errors
from web.signup_forms import ChoosePasswordForm, SignupForm


def _refused(request: HttpRequest, email: str) -> str | None:
    """The caller's shared limit on public writes, then this address's own daily limit."""
    try:
        count_public_write(request)
    except WriteRefused as refused:
        return refused.message
    if email and over_limit(f"signup:email:{email.strip().lower()}", settings.SIGNUP_PER_EMAIL, 86400):
        return _("Too many requests. Try again in a few minutes.")
    return None


def _first_guess(language: str) -> dict[str, str]:
    """Choices the person can change, from the page's language: Polish speakers are likelier in Poland."""
    if language == "pl":
        return {"default_language": "pl", "country": "PL", "time_zone": "Europe/Warsaw"}
    return {"default_language": language, "country": "FI", "time_zone": "Europe/Helsinki"}


def _signup_form(request: HttpRequest, *, invitation_token: str = "", invited_email: str | None = None):
    form = SignupForm(request.POST or None, invited_email=invited_email,
                      initial=_first_guess(get_language()))
    if request.method == "POST":
        refusal = _refused(request, invited_email or request.POST.get("email", ""))
        if refusal is not None:
            form.is_valid()
            form.add_error(None, refusal)
        elif form.is_valid():
            try:
                signup_request(invitation_token=invitation_token, **form.cleaned_data)
            except SignupClosed:
                return render(request, "web/signup/closed.html", status=403)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return redirect("web:signup_sent")
    return render(request, "web/signup/start.html", {"form": form, "invited": invited_email is not None})


def signup(request: HttpRequest) -> HttpResponse:
    if settings.SIGNUP_MODE != "open":
        return render(request, "web/signup/closed.html", status=403)
    return _signup_form(request)


def signup_invited(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_for_token(token)
    if invitation is None:
        return render(request, "web/signup/invalid.html", status=404)
    return _signup_form(request, invitation_token=token, invited_email=invitation.email)


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "web/signup/sent.html", {"hours": settings.SIGNUP_LINK_HOURS})


def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the details and asks for a password, POST creates: mail scanners use nothing up."""
    signup = signup_for_token(token)
    if signup is None:
        return render(request, "web/signup/invalid.html", status=404)
    form = ChoosePasswordForm(request.POST or None)
    if request.method == "POST":
        refusal = _refused(request, "")
        if refusal is not None:
            form.is_valid()
            form.add_error(None, refusal)
        elif form.is_valid():
            try:
                membership = organization_sign_up(token=token, password=form.cleaned_data["password"],
                                                  ip=client_ip(request))
            except ValidationError as error:
                apply_errors(form, error)
            else:
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Welcome to Tilli. Set up two-factor sign-in to open your panel."))
                return redirect("web:dashboard", org_slug=membership.organization.slug)
    return render(request, "web/signup/confirm.html", {"signup": signup, "form": form})
