"""The refusals of tenancy's services, by code (stable: the API answers with them).

Each code names its kind (tilli.errors), which decides its HTTP status (api.errors); the
message is written where the refusal is raised, in the active language.
"""

from __future__ import annotations

from tilli.errors import Conflict, ErrorCode, Invalid


class TenancyError(ErrorCode):
    LAST_OWNER = "last_owner", Conflict  # the organization must keep at least one active owner
    ORGANIZATION_SUSPENDED = "organization_suspended", Conflict  # the operator suspended the organization
    CONTRACT_ENDED = "contract_ended", Conflict  # its contract has ended; only the return of its data remains
    NOT_ACTIVE = "organization_not_active", Conflict  # an action needs an active organization
    NOT_SUSPENDED = "organization_not_suspended", Conflict  # only a suspended organization is reactivated
    SUPPORT_TOO_LONG = "support_too_long", Invalid  # longer than SUPPORT_ACCESS_MAX_HOURS
    REASON_REQUIRED = "reason_required", Invalid  # an operator's action on an organization states why
