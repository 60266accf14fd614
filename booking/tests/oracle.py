"""The test oracle: the availability engine over aware datetimes, the slow and obvious form of it.

Production runs one engine, over integer microseconds (booking.availability). This one says the same
in datetimes and dataclasses, one interval at a time, and the tests hold the production engine to its
answers (property tests over many zones, clock changes, night shifts and buffers). It shares with
production only the wall-clock conversions it is checking around (``_wall_to_utc``, ``_grid_instants``)
and ``WeeklyRule``, which states what a row of working hours means.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from booking.availability import (
    WeeklyRule,
    _grid_instants,
    _require_day,
    _require_tz,
    _steady_offset,
    _wall_to_utc,
)

_DAY = timedelta(days=1)
_ZERO = timedelta(0)


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


@dataclass(frozen=True, order=True)
class Interval:
    """A half-open span ``[start, end)`` of real time, stored in UTC.

    Aware datetimes in any zone are accepted and normalised to UTC, because Python compares two
    datetimes that share a ``ZoneInfo`` by wall clock, ignoring ``fold``: the two 03:30s of an autumn
    night would compare equal. In UTC every comparison is between real instants.
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware(self.start, "Interval.start")
        _require_aware(self.end, "Interval.end")
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))
        if self.end <= self.start:
            raise ValueError(f"Interval must end after it starts: [{self.start.isoformat()}, {self.end.isoformat()})")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: Interval) -> bool:
        """True if the two spans share an instant; touching ends (``a.end == b.start``) do not overlap."""
        return self.start < other.end and other.start < self.end

    @classmethod
    def from_utc(cls, start: datetime, end: datetime) -> Interval:
        """Build from instants already known to be aware, in UTC and ordered (rows read from the database)."""
        return _trusted(start, end)

    def contains(self, other: Interval) -> bool:
        return self.start <= other.start and other.end <= self.end


def _trusted(start: datetime, end: datetime) -> Interval:
    """An Interval from values the engine itself derived from valid ones: skips re-validation on hot paths."""
    interval = object.__new__(Interval)
    object.__setattr__(interval, "start", start)
    object.__setattr__(interval, "end", end)
    return interval


def working_intervals(
    rules: Iterable[WeeklyRule],
    tz: tzinfo,
    first_day: date,
    last_day: date,
    *,
    closed_days: Set[date] = frozenset(),
    extra: Iterable[Interval] = (),
) -> list[Interval]:
    """Each day's intervals built from wall-clock times in `tz` ON THAT DATE (a DST day has 23 or 25 hours),
    converted to UTC; days in closed_days (public holidays not opened) have none; `extra` one-off hours are
    added; the result is sorted and merged (overlapping/adjacent intervals joined).

    Days run from ``first_day`` to ``last_day`` inclusive (none if ``last_day < first_day``); a night shift
    belongs to the day it starts on, so the last day's runs into the next morning. ``extra`` is
    added as given, also on closed days (that is how a holiday is opened) and also outside the days.
    """
    _require_tz(tz)
    _require_day(first_day, "first_day")
    _require_day(last_day, "last_day")
    by_weekday: dict[int, list[WeeklyRule]] = {}
    for rule in rules:
        if not isinstance(rule, WeeklyRule):
            raise TypeError(f"rules must be WeeklyRule instances, not {type(rule).__name__}")
        by_weekday.setdefault(rule.weekday, []).append(rule)
    intervals: list[Interval] = []
    for extra_interval in extra:
        if not isinstance(extra_interval, Interval):
            raise TypeError(f"extra must be Interval instances, not {type(extra_interval).__name__}")
        intervals.append(extra_interval)
    day = first_day
    while day <= last_day:
        if day not in closed_days:
            offset = _steady_offset(day, tz)
            for rule in by_weekday.get(day.weekday(), ()):
                if not rule.applies_on(day):
                    continue
                start_wall = datetime.combine(day, rule.start)
                end_wall = rule.end_wall(day)
                # No clock change on this day (nor on the next, for a night shift): plain arithmetic.
                if offset is not None and (not rule.past_midnight or _steady_offset(day + _DAY, tz) is not None):
                    start = (start_wall - offset).replace(tzinfo=UTC)
                    end = (end_wall - offset).replace(tzinfo=UTC)
                else:
                    start = _wall_to_utc(start_wall, tz)
                    end = _wall_to_utc(end_wall, tz)
                if start < end:  # both ends inside one spring gap: no real time at all
                    intervals.append(_trusted(start, end))
        day += _DAY
    return merge(intervals)


def _span(interval: Interval) -> tuple[datetime, datetime]:
    return interval.start, interval.end


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping and touching intervals joined: the canonical form of a set of instants."""
    merged: list[Interval] = []
    # Sort on the two fields directly: the dataclass's generated ordering builds tuples per comparison.
    for interval in sorted(intervals, key=_span):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = _trusted(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def subtract(free: Iterable[Interval], busy: Iterable[Interval]) -> list[Interval]:
    """The instants of ``free`` that are in no ``busy`` interval, merged. One sweep over both sorted lists."""
    free_list, busy_list = merge(free), merge(busy)
    result: list[Interval] = []
    first = 0  # busy intervals before this index end before the current free interval starts
    for interval in free_list:
        while first < len(busy_list) and busy_list[first].end <= interval.start:
            first += 1
        cursor = interval.start
        index = first
        while index < len(busy_list) and busy_list[index].start < interval.end:
            blocked = busy_list[index]
            if blocked.start > cursor:
                result.append(_trusted(cursor, blocked.start))
            cursor = max(cursor, blocked.end)
            if cursor >= interval.end:
                break
            index += 1
        if cursor < interval.end:
            result.append(_trusted(cursor, interval.end))
    return result


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """The instants in both ``a`` and ``b``, merged (e.g. a room's free time AND the staff member's)."""
    left, right = merge(a), merge(b)
    result: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i].start, right[j].start)
        end = min(left[i].end, right[j].end)
        if start < end:
            result.append(_trusted(start, end))
        if left[i].end <= right[j].end:
            i += 1
        else:
            j += 1
    return result


def free_starts(
    free: Iterable[Interval],
    *,
    duration: timedelta,
    buffer_before: timedelta = _ZERO,
    buffer_after: timedelta = _ZERO,
    granularity: timedelta,
    tz: tzinfo,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> list[datetime]:
    """Start times (UTC, sorted, unique) such that [start - buffer_before, start + duration + buffer_after)
    lies inside one free interval, start >= not_before (minimum notice) and start <= not_after (maximum advance).

    Starts lie on a grid of `granularity` in LOCAL wall-clock time counted from local midnight of each day
    (09:00, 09:15, ... in tz), so a slot never shifts by an hour at DST. Wall-clock times that do not exist
    (spring-forward gap) are not offered; wall-clock times that occur twice (autumn fold) are offered once per
    real instant that is inside a free interval (i.e. both, if both real instants are free — they are
    different moments).

    ``free`` is merged first, so touching free intervals count as one. ``granularity`` must divide 24 hours,
    which makes the grid the same on every day.
    """
    _require_tz(tz)
    for name, value in (
        ("duration", duration),
        ("buffer_before", buffer_before),
        ("buffer_after", buffer_after),
        ("granularity", granularity),
    ):
        if not isinstance(value, timedelta):
            raise TypeError(f"{name} must be a timedelta, not {type(value).__name__}")
    if duration <= _ZERO:
        raise ValueError(f"duration must be positive, got {duration}")
    if buffer_before < _ZERO or buffer_after < _ZERO:
        raise ValueError(f"buffers must not be negative, got {buffer_before} and {buffer_after}")
    if granularity <= _ZERO or _DAY % granularity != _ZERO:
        raise ValueError(f"granularity must be positive and divide 24 hours, got {granularity}")
    if not_before is not None:
        _require_aware(not_before, "not_before")
        not_before = not_before.astimezone(UTC)
    if not_after is not None:
        _require_aware(not_after, "not_after")
        not_after = not_after.astimezone(UTC)

    starts: list[datetime] = []
    for interval in merge(free):
        lo = interval.start + buffer_before
        hi = interval.end - duration - buffer_after
        if not_before is not None:
            lo = max(lo, not_before)
        if not_after is not None:
            hi = min(hi, not_after)
        if lo > hi:
            continue
        # Merged free intervals are disjoint and sorted, so each one's starts follow the previous ones'.
        starts.extend(_grid_instants(lo, hi, granularity, tz))
    return starts
