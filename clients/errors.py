"""The refusals of the client register's services, by code (stable: the API answers with them).

Each code names its kind (tilli.errors), which decides its HTTP status (api.errors); the
message is written where the refusal is raised, in the active language.
"""

from __future__ import annotations

from tilli.errors import Conflict, ErrorCode, Invalid


class ClientError(ErrorCode):
    DUPLICATE = "possible_duplicate", Conflict  # the same name and phone number are already in the register
    RESTRICTED = "restricted", Conflict  # processing is restricted (Art. 18); lift the restriction first
    APPROVAL_MISSING = "approval_missing", Conflict  # no approval on record for sensitive entries
    SAME_OR_FOREIGN = "same_or_foreign", Invalid  # a merge needs two different clients of one organization
