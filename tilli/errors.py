"""Domain errors: one hierarchy, each refusal named by a code its app enumerates (`<app>/errors.py`).

A service that refuses raises one of the four kinds below with a code and a translated message.
The kind says what went wrong, so presentation needs no list of codes: `api.errors` maps the
kinds to HTTP statuses in one place (409, 422, 403, 404), `web.form_errors` puts any refusal on
a form. The code is the stable, machine-readable part; the message is for people.

They are Django `ValidationError`s, with the message as the only error, so a form, an admin
action or a caller that catches a service's refusal shows the message as it always did.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A service's refusal: `code` from its app's enumeration, `message` in the active language."""

    def __init__(self, code: StrEnum | str, message: str) -> None:
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
