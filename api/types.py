"""Input types of the API with the bounds the database and the calendar can take.

A Python int or date is unbounded where SQLite's and PostgreSQL's integers end at 64 bits and
Python's dates at year 9999; input beyond those used to reach the database or the calendar
arithmetic and answer 500. These types refuse it while parsing, as a 422 naming the field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from tilli.lib.dates import day_in_range, instant_in_range, out_of_range_message

BIGGEST = 2**63 - 1  # a signed 64-bit integer, the widest column either database has

Id = Annotated[int, Field(ge=1, le=BIGGEST)]
Count = Annotated[int, Field(ge=0, le=BIGGEST)]


def _day(value: date) -> date:
    if not day_in_range(value):
        raise PydanticCustomError("date_out_of_range", out_of_range_message())
    return value


def _moment(value: datetime) -> datetime:
    # A naive moment is read later in the organization's time zone, so its own day must be in range too.
    if not day_in_range(value.date()) or (value.tzinfo is not None and not instant_in_range(value)):
        raise PydanticCustomError("date_out_of_range", out_of_range_message())
    return value


Day = Annotated[date, AfterValidator(_day)]
Moment = Annotated[datetime, AfterValidator(_moment)]
