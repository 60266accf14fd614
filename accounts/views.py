from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.forms import AcceptInvitationForm
from accounts.services import invitation_accept, invitation_for_token
from tilli.lib.client_ip import client_ip


def _use_organization_language(request, organization) -> None:
    """Show the page in the organization's language, as the email was, unless the person chose one."""
    user = request.user
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES or (user.is_authenticated and user.preferred_language):
        return
    translation.activate(organization.default_language)
    request.LANGUAGE_CODE = organization.default_language


def accept_invitation(request, token: str):
    invitation = invitation_for_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    _use_organization_language(request, invitation.organization)
    signed_in = request.user if request.user.is_authenticated else None
    form = None if signed_in is not None else AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and (form is None or form.is_valid()):
        data = form.cleaned_data if form is not None else {}
        try:
            membership = invitation_accept(
                token=token, password=data.get("password", ""), first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""), signed_in_user=signed_in, ip=client_ip(request))
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
            else:
                form.add_error(None, error)
        else:
            if signed_in is None:
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to %(organization)s.") % {"organization": invitation.organization})
            return redirect("web:dashboard", org_slug=invitation.organization.slug)
    return render(request, "accounts/accept_invitation.html", {"invitation": invitation, "form": form})
