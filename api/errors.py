"""Errors as JSON with a stable machine code and a message in the caller's language.

This is the one place a service's refusal becomes an HTTP status: the kind of a domain error
(tilli.errors) decides it, its code (from the app's `errors.py`) is the answer's `code`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from pydantic import BaseModel

from clients.merging import PossibleDuplicate
from tilli.errors import Conflict, DomainError, Forbidden, Invalid, NotFound

STATUS_BY_KIND: dict[type[DomainError], int] = {Conflict: 409, Invalid: 422, Forbidden: 403, NotFound: 404}


def status_for(error: DomainError) -> int:
    """The HTTP status of a service's refusal, from its kind."""
    return next((STATUS_BY_KIND[kind] for kind in type(error).__mro__ if kind in STATUS_BY_KIND), 422)


class ErrorOut(BaseModel):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


class PossibleDuplicateOut(ErrorOut):
    """409 `possible_duplicate`: the clients a new one would repeat (the same name and phone number)."""

    candidate_ids: list[int]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(code)
        self.status, self.code, self.message, self.fields = status, code, message, fields


def _respond(api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str,
             fields: dict[str, list[str]] | None = None) -> HttpResponse:
    body = {"code": code, "message": str(message)}
    if fields:
        body["fields"] = fields
    return api.create_response(request, body, status=status)


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ApiError)
    def _api_error(request, exc: ApiError):
        return _respond(api, request, exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        return _respond(api, request, 401, "unauthenticated", _("A valid API token is required."))

    @api.exception_handler(PermissionDenied)
    def _forbidden(request, exc):
        # A service's own refusal of the caller (e.g. clients.permissions.NotTreating): 403, never a 500.
        return _respond(api, request, 403, "forbidden", _("Your role does not allow this."))

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return _respond(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(ValidationError)
    def _invalid(request, exc: ValidationError):
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            name = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
            fields.setdefault(name, []).append(str(error.get("msg", "")))
        return _respond(api, request, 422, "invalid", _("The request has invalid values."), fields)

    @api.exception_handler(DomainError)
    def _refused_by_a_service(request, exc: DomainError):
        # A refusal named by its code: 409 for a state conflict, 422 for input, 403, 404 (STATUS_BY_KIND).
        return _respond(api, request, status_for(exc), exc.code, exc.message)

    @api.exception_handler(PossibleDuplicate)
    def _possible_duplicate(request, exc: PossibleDuplicate):
        # The ids let the caller offer the existing client, merge, or send again with allow_duplicate.
        return api.create_response(request, {"code": exc.code, "message": str(exc.message),
                                             "candidate_ids": [client.pk for client in exc.clients]},
                                   status=status_for(exc))

    @api.exception_handler(DjangoValidationError)
    def _rejected_by_a_service(request, exc: DjangoValidationError):
        # Services validate; whatever they refuse becomes one 422 with a message per field.
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"request": exc.messages}
        return _respond(api, request, 422, "invalid", _("The request has invalid values."),
                        {name: [str(m) for m in messages] for name, messages in fields.items()})

    @api.exception_handler(RequestDataTooBig)
    def _too_large(request, exc):
        # Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE before reading it; that is a 413, not a 500.
        return _respond(api, request, 413, "too_large", _("The request body is too large."))

    @api.exception_handler(HttpError)
    def _http_error(request, exc: HttpError):
        if exc.status_code == 400:  # the body is not JSON in UTF-8, or holds text no database can store
            return _respond(api, request, 400, "bad_request",
                            _("The request body must be JSON in UTF-8 without null characters or lone surrogates."))
        codes = {403: "forbidden", 405: "method_not_allowed", 429: "throttled"}
        return _respond(api, request, exc.status_code, codes.get(exc.status_code, "error"), _("The request failed."))

    @api.exception_handler(Exception)
    def _unexpected(request, exc):
        # The exception's text may carry data; it goes to the error log, never to the caller.
        import logging

        logging.getLogger("tilli.api").exception("Unhandled API error")
        return _respond(api, request, 500, "server_error", _("Something went wrong on our side."))
