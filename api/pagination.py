"""Limit/offset pagination whose numbers are bounded, for every list of the API.

django-ninja's own accepts any offset; one beyond 64 bits reached the database and answered 500.
"""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

from api.types import BIGGEST

MAX_LIMIT = 100


class BoundedLimitOffset(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(MAX_LIMIT, ge=1, le=MAX_LIMIT, description=f"At most {MAX_LIMIT} items.")
        offset: int = Field(0, ge=0, le=BIGGEST)

    def __init__(self, **kwargs) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
