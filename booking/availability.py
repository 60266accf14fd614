"""The availability engine: pure interval arithmetic, no database, no Django.

The booking selectors load working hours, closed days and busy rows, then call these functions.
Everything works on half-open UTC spans ``[start, end)`` of whole microseconds since the Unix epoch
(``Span``): comparing and sorting ints is several times cheaper than comparing aware datetimes, which
matters when one request looks at 50 staff over a month, and microseconds represent every datetime
exactly. Local time appears only where a human meaning lives in it (DESIGN.md section 6):

* working hours are wall-clock times *on a date* in the location's zone, so a DST Sunday has 23 or 25
  real hours and a shift "09:00-17:00" is 8 real hours on either side of the change;
* slot starts either follow the free time (``aligned_start_micros``: the first moment a free span can hold
  the booking, then every step, so no free time long enough goes unoffered) or lie on a grid of wall-clock
  times counted from local midnight (09:00, 09:15, ..., ``free_start_micros``), so a slot never moves by an
  hour when the clocks do; each service chooses.

Days on which the zone's offset is steady are done by arithmetic; a day with a clock change goes through
the exact conversions here: a working-hours boundary is the first moment the clock shows that time
(``_wall_to_utc``), which settles the times that do not exist (spring gap) or exist twice (autumn fold);
a slot start is offered at every real instant whose wall-clock time is on the grid (``_grid_instants``).
Interval operations are sorted sweeps, linear after sorting; nothing steps minute by minute.

The tests hold this engine to a slow, obvious one over aware datetimes (booking/tests/oracle.py).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

__all__ = [
    "Span",
    "WeeklyRule",
    "aligned_start_micros",
    "free_start_micros",
    "from_micros",
    "intersect_spans",
    "merge_spans",
    "subtract_spans",
    "to_micros",
    "to_spans",
    "unblocked_starts",
    "working_spans",
]

_DAY = timedelta(days=1)
# How far below/above the wall-clock readings at the ends of a UTC range we look for grid times. A
# backward clock change (the autumn fold) makes later instants show earlier wall-clock times; the
# largest such change in today's rules is 2 hours (Antarctica/Troll). The one-off date-line moves of
# the last century (a whole day) lie outside any booking horizon.
_FOLD_MARGIN = timedelta(hours=3)


@dataclass(frozen=True)
class WeeklyRule:
    """A staff member's working interval starting on one weekday, in local wall-clock time.

    An ``end`` after ``start`` is on the same day. An ``end`` at or before ``start`` is on the next day:
    ``time(0)`` is the midnight that ends the day (24:00, so 00:00-00:00 is the whole day), and a night
    shift 22:00-06:00 is one rule of the day it starts on (holidays, ``valid_from`` and ``valid_until``
    apply to that day). Only ``end == start`` at another time than midnight is refused: it could mean no
    time or a whole day. Several rules on one weekday express breaks. ``valid_from`` and ``valid_until``
    are inclusive dates; ``None`` means unbounded.
    """

    weekday: int  # 0 = Monday
    start: time
    end: time
    valid_from: date | None = None
    valid_until: date | None = None  # inclusive

    def __post_init__(self) -> None:
        if isinstance(self.weekday, bool) or not isinstance(self.weekday, int) or not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be an int 0 (Monday) .. 6 (Sunday), got {self.weekday!r}")
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, time):
                raise TypeError(f"WeeklyRule.{name} must be a datetime.time, not {type(value).__name__}")
            if value.tzinfo is not None:
                raise ValueError(f"WeeklyRule.{name} is a wall-clock time; it must not carry a tzinfo")
        if self.end == self.start and not self.ends_at_midnight:
            raise ValueError(f"WeeklyRule must not end when it starts: {self.start}-{self.end}")
        for name in ("valid_from", "valid_until"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, datetime) or not isinstance(value, date)):
                raise TypeError(f"WeeklyRule.{name} must be a date or None, not {type(value).__name__}")
        if self.valid_from is not None and self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError(f"WeeklyRule.valid_until {self.valid_until} is before valid_from {self.valid_from}")

    @property
    def ends_at_midnight(self) -> bool:
        """``end == time(0)``: the rule runs to the end of its day (24:00)."""
        return self.end == time(0)

    @property
    def ends_next_day(self) -> bool:
        """The end is a wall-clock time of the next day (midnight, or a night shift's morning)."""
        return self.end <= self.start

    def end_wall(self, day: date) -> datetime:
        """The naive wall-clock end of the rule's interval that starts on ``day``."""
        return datetime.combine(day + _DAY if self.ends_next_day else day, self.end)

    @property
    def past_midnight(self) -> bool:
        """The interval reaches into the next day beyond its first moment (a night shift, not 24:00)."""
        return self.ends_next_day and not self.ends_at_midnight

    def applies_on(self, day: date) -> bool:
        return (
            day.weekday() == self.weekday
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_until is None or day <= self.valid_until)
        )


def _instants_of_wall(wall: datetime, tz: tzinfo) -> list[datetime]:
    """The real instants (UTC, ascending) at which clocks in ``tz`` show the naive ``wall``.

    None in a spring-forward gap, two in an autumn fold, one otherwise.
    """
    first_offset = wall.replace(tzinfo=tz, fold=0).utcoffset()
    if first_offset == wall.replace(tzinfo=tz, fold=1).utcoffset():
        # Both readings agree: the time is neither in a gap nor in a fold (the common case, no conversion).
        return [(wall - first_offset).replace(tzinfo=UTC)]
    found: list[datetime] = []
    for fold in (0, 1):
        instant = wall.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        if instant.astimezone(tz).replace(tzinfo=None) == wall and instant not in found:
            found.append(instant)
    found.sort()
    return found


def _transition_in(before: datetime, after: datetime, tz: tzinfo) -> datetime:
    """The first instant in ``(before, after]`` whose UTC offset in ``tz`` differs from ``before``'s.

    Binary search to the second (zone transitions fall on whole seconds); called only for a wall-clock
    time inside a gap, where the two readings of that time bracket exactly one transition.
    """
    offset = before.astimezone(tz).utcoffset()
    # Invariant: offset(before + lo seconds) == offset != offset(before + hi seconds).
    lo, hi = 0, int((after - before).total_seconds())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if (before + timedelta(seconds=mid)).astimezone(tz).utcoffset() == offset:
            lo = mid
        else:
            hi = mid
    return before + timedelta(seconds=hi)


def _wall_to_utc(wall: datetime, tz: tzinfo) -> datetime:
    """The UTC instant a working-hours boundary at the naive ``wall`` time stands for: the first moment
    the clock shows that time or a later one.

    * A time that exists once is that instant.
    * A time in an autumn fold is its first occurrence, for a start and an end alike. So 00:00-03:30
      and 03:30-06:00 on the autumn night are 3.5 real hours each and meet without overlap, 03:00-04:00
      spans both passes of the repeated hour (2 real hours), and 09:00-17:00 is 8 hours as always.
    * A time in a spring gap never shows: the boundary is the change itself, so in a zone that jumps
      03:00 -> 04:00, 03:30-06:00 starts at the change (2 real hours) and 02:00-03:30 ends there (1 hour).

    The mapping never decreases as ``wall`` grows, so splitting a rule in two never changes the hours.
    """
    instants = _instants_of_wall(wall, tz)
    if instants:
        return instants[0]
    # In the gap, fold=1 reads the time with the offset after the change (an instant before it) and
    # fold=0 with the offset before the change (an instant after it).
    after_offset = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    before_offset = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    return _transition_in(min(after_offset, before_offset), max(after_offset, before_offset), tz)


def _require_tz(tz: object) -> None:
    if not isinstance(tz, tzinfo):
        raise TypeError(f"tz must be a tzinfo such as ZoneInfo('Europe/Helsinki'), not {type(tz).__name__}")


def _require_day(value: object, name: str) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a date, not {type(value).__name__}")


@lru_cache(maxsize=4096)
def _steady_offset(day: date, tz: tzinfo) -> timedelta | None:
    """The day's UTC offset if it is the same from its midnight to the next (no clock change that day)."""
    offsets = {datetime.combine(d, time(0)).replace(tzinfo=tz, fold=fold).utcoffset()
               for d in (day, day + _DAY) for fold in (0, 1)}
    return offsets.pop() if len(offsets) == 1 else None


def _fixed_offset_grid(lo: datetime, hi: datetime, granularity: timedelta, tz: tzinfo) -> list[datetime] | None:
    """The grid instants by plain UTC arithmetic when no clock change can be near the range, else None.

    Within one UTC offset the wall-clock grid is a fixed grid in UTC, so the common case needs no
    per-slot time-zone conversion. Two clock changes that cancel out within a week do not occur in
    real zones, so equal offsets at both (widened) ends of a range shorter than that mean none between.
    """
    if hi - lo > timedelta(days=7):
        return None
    offset = (lo - _FOLD_MARGIN).astimezone(tz).utcoffset()
    if offset is None or (hi + _FOLD_MARGIN).astimezone(tz).utcoffset() != offset:
        return None
    wall_lo = (lo + offset).replace(tzinfo=None)
    midnight = datetime.combine(wall_lo.date(), time(0))
    first = (midnight + -((midnight - wall_lo) // granularity) * granularity - offset).replace(tzinfo=UTC)
    if first > hi:
        return []
    return [first + k * granularity for k in range((hi - first) // granularity + 1)]


def _grid_instants(lo: datetime, hi: datetime, granularity: timedelta, tz: tzinfo) -> list[datetime]:
    """The instants in ``[lo, hi]`` whose wall-clock time in ``tz`` is on the grid, in ascending order.

    Walks the wall-clock grid (a multiple of ``granularity`` after local midnight) from just below the
    earliest reading in the range to just above the latest, and keeps every real instant of each grid
    time that falls inside the range: none for a time in a spring gap, both for a time in an autumn fold.
    """
    fast = _fixed_offset_grid(lo, hi, granularity, tz)
    if fast is not None:
        return fast
    first_wall = lo.astimezone(tz).replace(tzinfo=None) - _FOLD_MARGIN
    last_wall = hi.astimezone(tz).replace(tzinfo=None) + _FOLD_MARGIN
    midnight = datetime.combine(first_wall.date(), time(0))
    steps = -((midnight - first_wall) // granularity)  # ceil((first_wall - midnight) / granularity)
    wall = midnight + steps * granularity
    found: list[datetime] = []
    while wall <= last_wall:
        found.extend(instant for instant in _instants_of_wall(wall, tz) if lo <= instant <= hi)
        wall += granularity
    # A fold makes the walk visit instants out of order.
    return sorted(found)


# --- Spans of microseconds -------------------------------------------------------------------------

Span = tuple[int, int]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = _EPOCH.date().toordinal()
_MICROSECOND = timedelta(microseconds=1)
_DAY_US = _DAY // _MICROSECOND
_RUN_BLOCK_DAYS = 64
_NEVER_US = -(1 << 80)  # before any instant a datetime can hold
_NO_SPAN = (-_NEVER_US, -_NEVER_US)  # after every instant: past the last busy span
_NO_RUN = (*_NO_SPAN, 0)  # past the last run of steady days


def to_micros(value: datetime) -> int:
    """An aware datetime as whole microseconds since the Unix epoch (exact)."""
    return (value - _EPOCH) // _MICROSECOND


def from_micros(value: int) -> datetime:
    """Microseconds since the Unix epoch as an aware datetime in UTC (exact)."""
    return _EPOCH + timedelta(microseconds=value)


def to_spans(pairs: Iterable[tuple[datetime, datetime]]) -> list[Span]:
    """``(start, end)`` pairs of aware datetimes (rows read from the database) as int spans."""
    return [((start - _EPOCH) // _MICROSECOND, (end - _EPOCH) // _MICROSECOND) for start, end in pairs]


def _wall_micros(value: time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def _midnight_micros(day: date, offset: timedelta) -> int:
    """Local midnight starting ``day`` as a UTC instant, for a day whose offset is steady."""
    return (day.toordinal() - _EPOCH_ORDINAL) * _DAY_US - offset // _MICROSECOND


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted, with overlapping and touching spans joined: the canonical form of a set of instants."""
    merged: list[Span] = []
    last_start = last_end = 0
    for start, end in sorted(spans):
        if merged and start <= last_end:
            if end > last_end:
                last_end = end
                merged[-1] = (last_start, end)
        else:
            merged.append((start, end))
            last_start, last_end = start, end
    return merged


def subtract_spans(free: Iterable[Span], busy: Iterable[Span]) -> list[Span]:
    """The instants of ``free`` in no ``busy`` span, merged.

    One walk over both merged lists: a busy span that outlasts a free span is kept for the next one.
    """
    result: list[Span] = []
    busy_iter = iter(merge_spans(busy))
    busy_start, busy_end = next(busy_iter, _NO_SPAN)
    for start, end in merge_spans(free):
        cursor = start
        while busy_start < end:
            if busy_end > cursor:
                if busy_start > cursor:
                    result.append((cursor, busy_start))
                cursor = busy_end
            if busy_end > end:
                break
            busy_start, busy_end = next(busy_iter, _NO_SPAN)
        if cursor < end:
            result.append((cursor, end))
    return result


def intersect_spans(a: Iterable[Span], b: Iterable[Span]) -> list[Span]:
    """The instants in both ``a`` and ``b``, merged (e.g. a room's free time AND the staff member's)."""
    left, right = merge_spans(a), merge_spans(b)
    result: list[Span] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start < end:
            result.append((start, end))
        if left[i][1] <= right[j][1]:
            i += 1
        else:
            j += 1
    return result


def working_spans(
    rules: Iterable[WeeklyRule],
    tz: tzinfo,
    first_day: date,
    last_day: date,
    *,
    closed_days: Set[date] = frozenset(),
    extra: Iterable[Span] = (),
) -> list[Span]:
    """Each day's working spans from wall-clock times in `tz` ON THAT DATE (a DST day has 23 or 25 hours);
    days in closed_days (public holidays not opened) have none; `extra` one-off hours are added; the
    result is sorted and merged.

    Days run from ``first_day`` to ``last_day`` inclusive; a night shift belongs to the day it starts on.
    On a day whose offset is steady a boundary is local midnight plus the wall-clock time; on a day with
    a clock change each boundary goes through ``_wall_to_utc``.
    """
    _require_tz(tz)
    _require_day(first_day, "first_day")
    _require_day(last_day, "last_day")
    by_weekday: dict[int, list[tuple[WeeklyRule, int, int]]] = {}
    for rule in rules:
        if not isinstance(rule, WeeklyRule):
            raise TypeError(f"rules must be WeeklyRule instances, not {type(rule).__name__}")
        end = _wall_micros(rule.end) + (_DAY_US if rule.ends_next_day else 0)
        by_weekday.setdefault(rule.weekday, []).append((rule, _wall_micros(rule.start), end))
    spans: list[Span] = list(extra)
    day = first_day
    while day <= last_day:
        day_rules = by_weekday.get(day.weekday())
        if day_rules and day not in closed_days:
            offset = _steady_offset(day, tz)
            midnight = None if offset is None else _midnight_micros(day, offset)
            for rule, start, end in day_rules:
                if not rule.applies_on(day):
                    continue
                # No clock change on this day (nor on the next, for a night shift): plain arithmetic.
                if midnight is not None and (end <= _DAY_US or _steady_offset(day + _DAY, tz) is not None):
                    spans.append((midnight + start, midnight + end))
                    continue
                start_wall = datetime.combine(day, rule.start)
                end_wall = rule.end_wall(day)
                exact_start, exact_end = to_micros(_wall_to_utc(start_wall, tz)), to_micros(_wall_to_utc(end_wall, tz))
                if exact_start < exact_end:  # both ends inside one spring gap: no real time at all
                    spans.append((exact_start, exact_end))
        day += _DAY
    return merge_spans(spans)


@lru_cache(maxsize=256)
def _steady_runs(tz: tzinfo, first_day: date, last_day: date) -> tuple[tuple[int, int, int], ...]:
    """``(start, end, offset)`` in microseconds for each run of consecutive steady days in the range: from
    the local midnight starting the run to the one ending it, the zone's UTC offset is ``offset``.

    Neighbouring steady days always share their offset (each day's check includes the next midnight), so
    the runs are separated by the days with a clock change. Like ``_steady_offset`` this is a fact about
    the zone's rules alone, so it is kept per process.
    """
    runs: list[tuple[int, int, int]] = []
    day, previous = first_day, None
    while day <= last_day:
        offset = _steady_offset(day, tz)
        if offset is None:
            previous = None
        else:
            end = _midnight_micros(day + _DAY, offset)
            if previous is not None:
                runs[-1] = (runs[-1][0], end, runs[-1][2])
            else:
                runs.append((_midnight_micros(day, offset), end, offset // _MICROSECOND))
            previous = day
        day += _DAY
    return tuple(runs)


def free_start_micros(
    free: Iterable[Span],
    *,
    duration: int,
    buffer_before: int = 0,
    buffer_after: int = 0,
    granularity: int,
    tz: tzinfo,
    not_before: int | None = None,
    not_after: int | None = None,
) -> list[int]:
    """Start times (sorted, unique) on a wall-clock grid of ``granularity`` counted from local midnight,
    such that ``[start - buffer_before, start + duration + buffer_after)`` lies inside one free span and
    the start is within ``not_before`` and ``not_after``; every value in microseconds. A wall-clock time
    in a spring gap is not offered, one that occurs twice (autumn fold) once per free real instant.

    Free time inside a run of days with a steady offset gets its grid by arithmetic: the instant ``t``
    shows a wall-clock time on the grid exactly when ``t + offset`` is a multiple of ``granularity``
    (which divides a day). Free time touching a day with a clock change goes through ``_grid_instants``.
    """
    _require_tz(tz)
    for name, value in (
        ("duration", duration),
        ("buffer_before", buffer_before),
        ("buffer_after", buffer_after),
        ("granularity", granularity),
    ):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int of microseconds, not {type(value).__name__}")
    if duration <= 0:
        raise ValueError(f"duration must be positive, got {duration}")
    if buffer_before < 0 or buffer_after < 0:
        raise ValueError(f"buffers must not be negative, got {buffer_before} and {buffer_after}")
    if granularity <= 0 or _DAY_US % granularity:
        raise ValueError(f"granularity must be positive and divide 24 hours, got {granularity}")

    spans = merge_spans(free)
    if not spans:
        return []
    # Local days lie within a day of UTC days, so these days cover every span; whole blocks of days,
    # so that calls for the same weeks share the zone's runs.
    first_block = (spans[0][0] // _DAY_US - 1) // _RUN_BLOCK_DAYS
    last_block = (spans[-1][1] // _DAY_US + 1) // _RUN_BLOCK_DAYS
    runs = iter(_steady_runs(
        tz,
        date.fromordinal(_EPOCH_ORDINAL + first_block * _RUN_BLOCK_DAYS),
        date.fromordinal(_EPOCH_ORDINAL + (last_block + 1) * _RUN_BLOCK_DAYS - 1),
    ))
    run_start, run_end, offset = next(runs, _NO_RUN)
    floor = _NEVER_US if not_before is None else not_before
    ceiling = -_NEVER_US if not_after is None else not_after
    tail = duration + buffer_after
    starts: list[int] = []
    for start, end in spans:  # disjoint and sorted, so each one's starts follow the previous ones'
        lo = start + buffer_before
        hi = end - tail
        if lo < floor:
            lo = floor
        if hi > ceiling:
            hi = ceiling
        if lo > hi:
            continue
        while lo >= run_end:
            run_start, run_end, offset = next(runs, _NO_RUN)
        if run_start <= lo and hi < run_end:
            starts.extend(range(lo + (-(lo + offset)) % granularity, hi + 1, granularity))
        else:
            grid = _grid_instants(from_micros(lo), from_micros(hi), timedelta(microseconds=granularity), tz)
            starts.extend(to_micros(instant) for instant in grid)
    return starts


def _local_midnights(lo: int, hi: int, tz: tzinfo) -> list[int]:
    """The instants in ``[lo, hi]`` (and a day around) at which a new local day begins in ``tz``, ascending.

    Computed once per call for all free spans: local days lie within a day of UTC days.
    """
    found: list[int] = []
    day = date.fromordinal(_EPOCH_ORDINAL + lo // _DAY_US - 1)
    last = date.fromordinal(_EPOCH_ORDINAL + hi // _DAY_US + 2)
    while day <= last:
        offset = _steady_offset(day, tz)
        found.append(_midnight_micros(day, offset) if offset is not None
                     else to_micros(_wall_to_utc(datetime.combine(day, time(0)), tz)))
        day += _DAY
    return found


def aligned_start_micros(
    free: Iterable[Span],
    *,
    duration: int,
    buffer_before: int = 0,
    buffer_after: int = 0,
    step: int,
    tz: tzinfo,
    not_before: int | None = None,
    not_after: int | None = None,
) -> list[int]:
    """Starts aligned to the free time itself (microseconds, sorted): the first moment each free span can
    hold the booking (an opening, the end of a booking or a break, plus ``buffer_before``), then every
    ``step`` while the booking fits.

    A grid counted from midnight leaves time unused after a booking that ends off the grid (a 45-minute
    booking ending 10:45 with a 30-minute step would next offer 11:00); here the next start is 10:45, and
    no free span long enough for the booking goes without a start. At each local midnight inside a free
    span (hours around the clock, night shifts) the count starts again from midnight, so a day's starts
    depend only on that day and the free time reaching into it, never on how many days were asked for.
    Steps are real time; ``not_before`` and ``not_after`` remove starts without moving the others.
    """
    _require_tz(tz)
    for name, value in (("duration", duration), ("buffer_before", buffer_before), ("buffer_after", buffer_after),
                        ("step", step)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int of microseconds, not {type(value).__name__}")
    if duration <= 0 or step <= 0:
        raise ValueError(f"duration and step must be positive, got {duration} and {step}")
    if buffer_before < 0 or buffer_after < 0:
        raise ValueError(f"buffers must not be negative, got {buffer_before} and {buffer_after}")
    floor = _NEVER_US if not_before is None else not_before
    ceiling = -_NEVER_US if not_after is None else not_after
    tail = duration + buffer_after
    spans = merge_spans(free)
    if not spans:
        return []
    midnights = _local_midnights(spans[0][0], spans[-1][1], tz)
    starts: list[int] = []
    for start, end in spans:  # disjoint and sorted, so each one's starts follow the previous ones'
        first, last = start + buffer_before, end - tail
        if first > last or first > ceiling or last < floor:
            continue
        anchors = [first, *midnights[bisect_right(midnights, first):bisect_right(midnights, last)]]
        for index, anchor in enumerate(anchors):
            segment_last = anchors[index + 1] - 1 if index + 1 < len(anchors) else last
            lo, hi = max(anchor, floor), min(segment_last, ceiling)
            if lo <= hi:
                starts.extend(range(anchor + -((anchor - lo) // step) * step, hi + 1, step))
    return starts


def unblocked_starts(starts: list[int], blocked: Iterable[Span], *, before: int, after: int) -> list[int]:
    """The ``starts`` (sorted) whose span ``[start - before, start + after)`` overlaps no ``blocked`` span.

    With ``starts`` from ``free_start_micros(working, ...)`` and ``before``/``after`` the service's buffer
    before and duration plus buffer after, this is ``free_start_micros(subtract_spans(working, blocked),
    ...)``: a span fits in the free time exactly when it fits in working time and meets no busy time. So
    staff who share working hours share one grid, and each one's busy time only strikes starts out of it.
    """
    kept: list[int] = []
    done = 0  # the starts before this index are decided
    for busy_start, busy_end in sorted(blocked):
        if busy_end <= busy_start:  # no time at all: blocks nothing, as in subtract_spans
            continue
        # Starts in (busy_start - after, busy_end + before) overlap it; the ones before are clear of it
        # and, the spans being sorted by start, of every later one.
        first = bisect_right(starts, busy_start - after, done)
        if first > done:
            kept += starts[done:first]
        done = max(done, bisect_left(starts, busy_end + before, first))
    kept += starts[done:]
    return kept

