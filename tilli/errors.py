"""Domain errors: one hierarchy, each refusal named by a code its app enumerates (`<app>/errors.py`,
an `ErrorCode` whose members state their kind beside the code).

A service that refuses raises one of the four kinds below with a code and a translated message.
The kind says what went wrong, so presentation needs no list of codes: `api.errors` maps the
kinds to HTTP statuses in one place (409, 422, 403, 404), `web.form_errors` puts any refusal on
a form. The code is the stable, machine-readable part; the message is for people.

They are Django `ValidationError`s, with the message as the only error, so a form, an admin
action or a caller that catches a service's refusal shows the message as it always did.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A service's refusal: `code` from its app's enumeration, `message` in the active language."""

    def __init__(self, code: ErrorCode | str, message: str) -> None:
        if isinstance(code, ErrorCode) and not isinstance(self, code.kind):
            raise TypeError(f"{code!r} is a {code.kind.__name__}, not a {type(self).__name__}")
        super().__init__(message, code=str(code))

    def __str__(self) -> str:
        return str(self.message)

    def __reduce__(self):  # copies and pickles rebuild it from the code and the message
        return self.__class__, (self.code, self.message)


class Conflict(DomainError):
    """The object's state forbids the action now (it was closed, moved, taken): HTTP 409."""


class Invalid(DomainError):
    """The input cannot be accepted as it is, whatever the state: HTTP 422."""


class Forbidden(DomainError):
    """The caller may not do this to this object: HTTP 403."""


class NotFound(DomainError):
    """What the action needs does not exist (for this caller): HTTP 404."""


class ErrorCode(StrEnum):
    """An app's enumeration of its refusals; each member is `NAME = "code", Kind`, so the code's kind (and
    with it the HTTP status) is stated once, beside the code, and a refusal of the wrong kind fails loudly."""

    kind: type[DomainError]

    def __new__(cls, value: str, kind: type[DomainError]) -> Any:
        member = str.__new__(cls, value)
        member._value_ = value
        member.kind = kind
        return member
