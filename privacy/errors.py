"""The refusals of privacy's services, by code (stable: the API answers with them).

Each code names its kind (tilli.errors), which decides its HTTP status (api.errors); the
message is written where the refusal is raised, in the active language.
"""

from __future__ import annotations

from tilli.errors import Conflict, ErrorCode, Invalid


class RequestError(ErrorCode):
    """Data-subject requests (privacy.requests)."""

    CLOSED = "closed", Conflict  # the request was already answered or refused
    WRONG_STATE = "wrong_state", Conflict  # the transition map does not lead there from the current status
    ALREADY_EXTENDED = "already_extended", Conflict  # the deadline can be extended once
    TOO_LATE = "too_late", Conflict  # the first month has passed, no extension any more
    NO_CLIENT = "no_client", Conflict  # the request is not linked to a client yet
    IDENTITY_UNVERIFIED = "not_verified", Conflict  # nothing is answered before the identity is checked
    LIMIT_PENDING = "limit_pending", Conflict  # the owner must first decide on the yearly limit
    NO_DECISION = "no_decision", Conflict  # the request needs no decision on the yearly limit
    NOT_DONE = "not_done", Conflict  # what the client asked for has not been done
    NOT_TOLD = "not_told", Invalid  # no email reached the client; confirm they were told otherwise
    COPY_IN_PROGRESS = "copy_in_progress", Conflict  # the client's previous copy is still being built


class ErasureError(ErrorCode):
    """Erasure (privacy.erasure)."""

    ALREADY_ERASED = "already_erased", Conflict  # the client was erased before


class BreachError(ErrorCode):
    """The breach register (privacy.breaches)."""

    CLOSED = "closed", Conflict  # the breach is already closed
    NOT_NEEDED = "not_needed", Conflict  # unlikely to result in a risk, the authority need not be notified
    ALREADY_NOTIFIED = "done", Conflict  # the notification to the authority is already recorded
    AUTHORITY_FIRST = "authority", Conflict  # notify the authority before closing
    DECIDE_CLIENTS_FIRST = "clients", Conflict  # decide whether the clients are told before closing
    CLIENT_TOLD = "notified", Conflict  # the client was already told, they stay on the list
    NOT_DECIDED = "not_decided", Conflict  # decide to tell each client directly before telling them
