"""The refusals of privacy's services, by code (stable: the API answers with them).

Which kind of error carries each code (tilli.errors) decides its HTTP status; the
message is written where the refusal is raised, in the active language.
"""

from __future__ import annotations

from enum import StrEnum


class RequestError(StrEnum):
    """Data-subject requests (privacy.requests)."""

    CLOSED = "closed"  # Conflict: the request was already answered or refused
    WRONG_STATE = "wrong_state"  # Conflict: the transition map does not lead there from the current status
    ALREADY_EXTENDED = "already_extended"  # Conflict: the deadline can be extended once
    TOO_LATE = "too_late"  # Conflict: the first month has passed, no extension any more
    NO_CLIENT = "no_client"  # Conflict: the request is not linked to a client yet
    IDENTITY_UNVERIFIED = "not_verified"  # Conflict: nothing is answered before the identity is checked
    LIMIT_PENDING = "limit_pending"  # Conflict: the owner must first decide on the yearly limit
    NO_DECISION = "no_decision"  # Conflict: the request needs no decision on the yearly limit
    NOT_DONE = "not_done"  # Conflict: what the client asked for has not been done
    NOT_TOLD = "not_told"  # Invalid: no email reached the client; confirm they were told otherwise


class ErasureError(StrEnum):
    """Erasure (privacy.erasure)."""

    ALREADY_ERASED = "already_erased"  # Conflict
