"""The refusals of tenancy's services, by code (stable: the API answers with them).

Each code names its kind (tilli.errors), which decides its HTTP status (api.errors); the
message is written where the refusal is raised, in the active language.
"""

from __future__ import annotations

from tilli.errors import Conflict, ErrorCode


class TenancyError(ErrorCode):
    LAST_OWNER = "last_owner", Conflict  # the organization must keep at least one active owner
