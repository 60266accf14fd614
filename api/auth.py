"""Bearer-token authentication that resolves the organization and role of the caller."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from api.errors import ApiError
from api.services import api_token_authenticate
from tenancy.roles import Perm


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        api_token = api_token_authenticate(token)
        if api_token is None:
            return None
        membership = api_token.membership
        request.user = membership.user
        request.membership = membership
        request.organization = membership.organization
        request.api_token = api_token
        return api_token


def require(request: HttpRequest, perm: Perm) -> None:
    if not request.membership.has_perm(perm):
        raise ApiError(403, "forbidden", _("Your role does not allow this."))
