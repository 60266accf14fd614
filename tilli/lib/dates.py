"""The range of days and instants Tilli works with, and the one place that parses them from input.

Python's `date` and `datetime` end at years 1 and 9999; a calendar week, a time-zone conversion or
"the day after" taken at those edges raises OverflowError, which used to surface as a server error.
Everything that schedules (calendars, availability, bookings) accepts only days within
`EARLIEST_DAY`..`LATEST_DAY`, a range wide enough for any real use and far enough from the edges
that the arithmetic done on a chosen day (weeks, months, time zones) can never overflow.
Input outside it is "not a valid date": a form error or a 422, never an exception.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)


def day_in_range(day: date) -> bool:
    return EARLIEST_DAY <= day <= LATEST_DAY


def instant_in_range(moment: datetime) -> bool:
    """An aware moment whose day lies within the range, locally and in UTC (a naive one is not an instant)."""
    if moment.tzinfo is None or not day_in_range(moment.date()):  # converting near year 1 or 9999 overflows
        return False
    return day_in_range(moment.astimezone(UTC).date())


def out_of_range_message() -> str:
    return _("Choose a date between %(first)s and %(last)s.") % {
        "first": EARLIEST_DAY.isoformat(), "last": LATEST_DAY.isoformat()}


def check_day(day: date) -> date:
    """The day itself, or a ValidationError whose message names the accepted range."""
    if not day_in_range(day):
        raise ValidationError(out_of_range_message(), code="date_out_of_range")
    return day


def check_instant(moment: datetime) -> datetime:
    """The aware moment itself, or a ValidationError (outside the range, or without a time zone)."""
    if moment.tzinfo is None:
        raise ValidationError(_("The time must include its time zone."), code="naive_datetime")
    if not instant_in_range(moment):
        raise ValidationError(out_of_range_message(), code="date_out_of_range")
    return moment


def parse_day(value: str | None) -> date | None:
    """An ISO day (YYYY-MM-DD) within the range, or None for anything else (empty, malformed, too far)."""
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return day if day_in_range(day) else None


def parse_instant(value: str | None) -> datetime | None:
    """An ISO date-time with its offset within the range, in UTC; None for anything else."""
    try:
        moment = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    if moment.tzinfo is None or not instant_in_range(moment):
        return None
    return moment.astimezone(UTC)
