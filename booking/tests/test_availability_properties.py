"""Properties of the availability engine, checked against brute force on random weeks, zones and services.

Days are drawn near each zone's clock changes as often as not, and the zones include half-hour and
45-minute offsets, a half-hour DST shift (Lord Howe), a two-hour one (Troll) and changes at midnight
(Santiago). All generated times are whole minutes, so stepping UTC minute by minute visits every instant
at which anything can change.
"""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.availability import WeeklyRule
from booking.tests.oracle import Interval, free_starts, intersect, merge, subtract, working_intervals

MINUTE = timedelta(minutes=1)
ZONES = [
    ZoneInfo(key)
    for key in (
        "UTC",
        "Europe/Helsinki",
        "Europe/Warsaw",
        "America/New_York",
        "America/Santiago",
        "Australia/Lord_Howe",
        "Asia/Kathmandu",
        "Antarctica/Troll",
    )
]
GRANULARITY_MINUTES = [5, 10, 15, 20, 30, 45, 60, 90, 120]  # each divides 24 hours
FIRST, LAST = date(2026, 1, 1), date(2027, 12, 31)
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _change_days(tz: ZoneInfo) -> list[date]:
    """Days on which the zone's UTC offset at local noon differs from the day before's."""
    days, day = [], FIRST
    while day <= LAST:
        before = datetime.combine(day - timedelta(days=1), time(12), tzinfo=tz).utcoffset()
        if datetime.combine(day, time(12), tzinfo=tz).utcoffset() != before:
            days.append(day)
        day += timedelta(days=1)
    return days


CHANGE_DAYS = {tz.key: _change_days(tz) for tz in ZONES}


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def minutes_between(start: datetime, end: datetime):
    current = start
    while current < end:
        yield current
        current += MINUTE


def is_ambiguous(instant: datetime, tz: ZoneInfo) -> bool:
    """The instant's wall-clock time is shown twice (it lies in an autumn fold)."""
    local = instant.astimezone(tz)
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def covered(instant: datetime, intervals: list[Interval]) -> bool:
    return any(interval.start <= instant < interval.end for interval in intervals)


@st.composite
def weeks(draw):
    """A zone, a run of 1-3 days (often around a clock change), weekly rules, closed days and extra hours."""
    tz = draw(st.sampled_from(ZONES))
    changes = CHANGE_DAYS[tz.key]
    change_day = draw(st.sampled_from(changes) | st.none()) if changes else None
    if change_day is None:
        first_day = draw(st.dates(FIRST, LAST))
        last_day = first_day + timedelta(days=draw(st.integers(0, 2)))
    else:
        first_day = change_day - timedelta(days=draw(st.integers(0, 1)))
        last_day = change_day + timedelta(days=draw(st.integers(0, 1)))
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    rule_days = st.sampled_from(days) if change_day is None else st.sampled_from(days) | st.just(change_day)

    rules = []
    for _ in range(draw(st.integers(0, 6))):
        day = draw(rule_days)
        start = draw(st.integers(0, 24 * 60 - 5) | st.integers(0, 4 * 60))  # often the night hours clocks change in
        # Often on the same day; sometimes a night shift ending the next morning (at or before the start).
        night = st.integers(1, start - 1) if start > 1 else st.nothing()
        end = draw(st.integers(start + 1, 24 * 60) | night)
        valid_from = draw(st.none() | st.sampled_from(days))
        valid_until = draw(st.none() | st.sampled_from([d for d in days if valid_from is None or d >= valid_from]))
        rules.append(
            WeeklyRule(
                day.weekday(),
                time(start // 60, start % 60),
                time(0) if end == 24 * 60 else time(end // 60, end % 60),
                valid_from=valid_from,
                valid_until=valid_until,
            )
        )
    closed = set(draw(st.lists(st.sampled_from(days), max_size=2)))
    window_start = local_midnight(first_day, tz) - timedelta(days=1)
    window_minutes = (local_midnight(last_day, tz) + timedelta(days=2) - window_start) // MINUTE
    extra = [
        Interval(window_start + start * MINUTE, window_start + (start + length) * MINUTE)
        for start, length in draw(
            st.lists(st.tuples(st.integers(0, window_minutes - 600), st.integers(1, 600)), max_size=2)
        )
    ]
    return tz, first_day, last_day, rules, closed, extra, window_start, window_minutes


@st.composite
def bookings(draw):
    """A random week plus busy time, a service (duration, buffers), a grid and notice/advance limits."""
    tz, first_day, last_day, rules, closed, extra, window_start, window_minutes = draw(weeks())
    working = working_intervals(rules, tz, first_day, last_day, closed_days=closed, extra=extra)
    busy = [
        Interval(window_start + start * MINUTE, window_start + (start + length) * MINUTE)
        for start, length in draw(
            st.lists(st.tuples(st.integers(0, window_minutes - 300), st.integers(1, 300)), max_size=5)
        )
    ]
    early = st.integers(0, window_minutes // 2).map(lambda n: window_start + n * MINUTE)
    late = st.integers(window_minutes // 2, window_minutes).map(lambda n: window_start + n * MINUTE)
    return {
        "tz": tz,
        "working": working,
        "busy": busy,
        "duration": timedelta(minutes=draw(st.integers(1, 48)) * 5),
        "buffer_before": timedelta(minutes=draw(st.integers(0, 6)) * 5),
        "buffer_after": timedelta(minutes=draw(st.integers(0, 6)) * 5),
        "granularity": timedelta(minutes=draw(st.sampled_from(GRANULARITY_MINUTES))),
        "not_before": draw(st.none() | early),
        "not_after": draw(st.none() | late),
    }


def offer(case: dict) -> list[datetime]:
    return free_starts(
        subtract(case["working"], case["busy"]),
        duration=case["duration"],
        buffer_before=case["buffer_before"],
        buffer_after=case["buffer_after"],
        granularity=case["granularity"],
        tz=case["tz"],
        not_before=case["not_before"],
        not_after=case["not_after"],
    )


def occupied(start: datetime, case: dict) -> Interval:
    return Interval(start - case["buffer_before"], start + case["duration"] + case["buffer_after"])


def on_grid(instant: datetime, case: dict) -> bool:
    local = instant.astimezone(case["tz"])
    since_midnight = local.replace(tzinfo=None) - datetime.combine(local.date(), time(0))
    return since_midnight % case["granularity"] == timedelta(0)


@PROPERTY_SETTINGS
@given(bookings())
def test_no_offered_span_overlaps_busy_time(case):
    for start in offer(case):
        assert not any(occupied(start, case).overlaps(busy) for busy in case["busy"])


@PROPERTY_SETTINGS
@given(bookings())
def test_every_offered_span_lies_inside_working_hours_on_the_local_grid_within_the_limits(case):
    for start in offer(case):
        assert any(interval.contains(occupied(start, case)) for interval in case["working"])
        assert on_grid(start, case)
        assert case["not_before"] is None or start >= case["not_before"]
        assert case["not_after"] is None or start <= case["not_after"]


@PROPERTY_SETTINGS
@given(bookings())
def test_every_grid_start_whose_span_fits_in_free_time_is_offered(case):
    offered = set(offer(case))
    for interval in case["working"]:
        first = interval.start + case["buffer_before"]
        for start in minutes_between(first, interval.end - case["duration"] - case["buffer_after"] + MINUTE):
            span = occupied(start, case)
            fits = (
                on_grid(start, case)
                and not any(span.overlaps(busy) for busy in case["busy"])
                and (case["not_before"] is None or start >= case["not_before"])
                and (case["not_after"] is None or start <= case["not_after"])
            )
            assert (start in offered) == fits, start.astimezone(case["tz"])


@PROPERTY_SETTINGS
@given(bookings())
def test_offered_starts_are_sorted_unique_and_in_utc(case):
    starts = offer(case)
    assert all(earlier < later for earlier, later in pairwise(starts))
    assert all(start.tzinfo is UTC for start in starts)


@PROPERTY_SETTINGS
@given(weeks())
def test_working_hours_are_exactly_the_wall_clock_times_of_the_rules_on_each_open_day(week):
    """Instants in an autumn fold are left to the examples: their wall-clock reading is not unique."""
    tz, first_day, last_day, rules, closed, extra, window_start, window_minutes = week
    working = working_intervals(rules, tz, first_day, last_day, closed_days=closed, extra=extra)

    assert working == merge(working)
    for instant in minutes_between(window_start, window_start + window_minutes * MINUTE):
        if is_ambiguous(instant, tz):
            continue
        wall = instant.astimezone(tz).replace(tzinfo=None)
        day = wall.date()
        # The rule of the day shown, or a night shift of the day before.
        by_rule = any(
            first_day <= rule_day <= last_day
            and rule_day not in closed
            and rule.applies_on(rule_day)
            and datetime.combine(rule_day, rule.start) <= wall < rule.end_wall(rule_day)
            for rule_day in (day, day - timedelta(days=1))
            for rule in rules
        )
        assert covered(instant, working) == (by_rule or covered(instant, extra)), wall


# --- interval arithmetic against sets of minutes ---------------------------------------------------

BASE = datetime(2026, 6, 15, tzinfo=UTC)
interval_lists = st.lists(
    st.tuples(st.integers(0, 100), st.integers(1, 30)).map(
        lambda pair: Interval(BASE + pair[0] * MINUTE, BASE + (pair[0] + pair[1]) * MINUTE)
    ),
    max_size=8,
)


def minute_set(intervals: list[Interval]) -> set[int]:
    return {
        minute
        for interval in intervals
        for minute in range((interval.start - BASE) // MINUTE, (interval.end - BASE) // MINUTE)
    }


def assert_canonical(intervals: list[Interval]) -> None:
    """Sorted, and neither overlapping nor touching: every gap between neighbours is positive."""
    assert all(earlier.end < later.start for earlier, later in pairwise(intervals))


@settings(max_examples=300, deadline=None)
@given(interval_lists)
def test_merge_covers_the_same_minutes_in_canonical_form(intervals):
    merged = merge(intervals)
    assert minute_set(merged) == minute_set(intervals)
    assert_canonical(merged)


@settings(max_examples=300, deadline=None)
@given(interval_lists, interval_lists)
def test_subtract_and_intersect_are_set_difference_and_intersection(a, b):
    difference, common = subtract(a, b), intersect(a, b)
    assert minute_set(difference) == minute_set(a) - minute_set(b)
    assert minute_set(common) == minute_set(a) & minute_set(b)
    assert_canonical(difference)
    assert_canonical(common)
