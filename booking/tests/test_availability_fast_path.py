"""The engine's integer path (microseconds since the epoch) against its datetime path as the oracle.

Random zones, weeks of up to three weeks around clock changes, rules, closed days, extra hours, busy
time to the microsecond, services and limits: both paths must give exactly the same working time,
free time and slot starts. Days with a clock change must keep their exact wall-clock meaning.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.availability import (
    WeeklyRule,
    free_start_micros,
    from_micros,
    intersect_spans,
    merge_spans,
    subtract_spans,
    to_micros,
    to_spans,
    unblocked_starts,
    working_spans,
)
from booking.tests.oracle import Interval, free_starts, intersect, merge, subtract, working_intervals
from booking.tests.test_availability_properties import CHANGE_DAYS, FIRST, GRANULARITY_MINUTES, LAST, ZONES

HELSINKI = ZoneInfo("Europe/Helsinki")
WARSAW = ZoneInfo("Europe/Warsaw")
SPRING_SUNDAY = date(2027, 3, 28)  # EU: Helsinki 03:00 -> 04:00, Warsaw 02:00 -> 03:00
AUTUMN_SUNDAY = date(2026, 10, 25)  # EU: Helsinki 04:00 -> 03:00, Warsaw 03:00 -> 02:00
MINUTE_US = 60_000_000
SECOND_US = 1_000_000
ORACLE_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def spans_of(intervals: list[Interval]) -> list[tuple[int, int]]:
    return [(to_micros(interval.start), to_micros(interval.end)) for interval in intervals]


def intervals_of(spans: list[tuple[int, int]]) -> list[Interval]:
    return [Interval(from_micros(start), from_micros(end)) for start, end in spans]


def at(tz: ZoneInfo, day: date, hhmm: str, *, fold: int = 0) -> int:
    return to_micros(datetime.combine(day, time.fromisoformat(hhmm), tzinfo=tz).replace(fold=fold))


# Times of day: usually on the minute, sometimes to the second or microsecond; often in the night
# hours in which clocks change.
wall_times = st.one_of(
    st.integers(0, 24 * 60 - 1).map(lambda m: time(m // 60, m % 60)),
    st.integers(0, 5 * 60).map(lambda m: time(m // 60, m % 60)),
    st.times(),
)


@st.composite
def schedules(draw):
    """A zone, a run of 1-21 days (often around a clock change), rules, closed days, extra and busy time."""
    tz = draw(st.sampled_from(ZONES))
    changes = CHANGE_DAYS[tz.key]
    anchor = draw(st.sampled_from(changes) | st.dates(FIRST, LAST)) if changes else draw(st.dates(FIRST, LAST))
    first_day = anchor - timedelta(days=draw(st.integers(0, 10)))
    last_day = anchor + timedelta(days=draw(st.integers(-1, 10)))  # sometimes no days at all
    days = [first_day + timedelta(days=n) for n in range(max(1, (last_day - first_day).days + 1))]

    rules = []
    for _ in range(draw(st.integers(0, 8))):
        start = draw(wall_times)
        # The same day, midnight, or (a night shift) the next morning: anything but the start itself.
        end = draw(wall_times.filter(lambda t, start=start: t != start) | st.just(time(0)))
        valid_from = draw(st.none() | st.sampled_from(days))
        valid_until = draw(st.none() | st.sampled_from([d for d in days if valid_from is None or d >= valid_from]))
        rules.append(WeeklyRule(draw(st.integers(0, 6)), start, end, valid_from=valid_from, valid_until=valid_until))
    closed = set(draw(st.lists(st.sampled_from(days), max_size=3)))

    window_start = to_micros(datetime.combine(days[0], time(0), tzinfo=tz)) - 24 * 3600 * SECOND_US
    window = (len(days) + 2) * 24 * 3600 * SECOND_US
    # Busy and extra time: on whole minutes as bookings are, or anywhere to the microsecond.
    offsets = st.integers(0, window // MINUTE_US).map(lambda m: m * MINUTE_US) | st.integers(0, window)
    lengths = st.integers(1, 10 * 60).map(lambda m: m * MINUTE_US) | st.integers(1, 10 * 3600 * SECOND_US)
    spans = st.lists(st.tuples(offsets, lengths).map(lambda p: (window_start + p[0], window_start + sum(p))),
                     max_size=12)
    return {
        "tz": tz, "first_day": first_day, "last_day": last_day, "rules": rules, "closed": closed,
        "extra": draw(spans.map(lambda s: s[:3])), "busy": draw(spans), "window_start": window_start,
        "window": window,
    }


@st.composite
def services(draw):
    """A schedule plus a service (duration, buffers, grid) and notice/advance limits, all in microseconds."""
    case = draw(schedules())
    limit = st.integers(0, case["window"]).map(lambda n: case["window_start"] + n)
    case.update(
        duration=draw(st.integers(1, 48)) * 5 * MINUTE_US,
        buffer_before=draw(st.integers(0, 6)) * 5 * MINUTE_US,
        buffer_after=draw(st.integers(0, 6)) * 5 * MINUTE_US,
        granularity=draw(st.sampled_from(GRANULARITY_MINUTES)) * MINUTE_US,
        not_before=draw(st.none() | limit),
        not_after=draw(st.none() | limit),
    )
    return case


def general_working(case: dict) -> list[Interval]:
    return working_intervals(case["rules"], case["tz"], case["first_day"], case["last_day"],
                             closed_days=case["closed"], extra=intervals_of(case["extra"]))


def fast_working(case: dict) -> list[tuple[int, int]]:
    return working_spans(case["rules"], case["tz"], case["first_day"], case["last_day"],
                         closed_days=case["closed"], extra=case["extra"])


def general_starts(case: dict, free: list[Interval]) -> list[int]:
    def delta(key: str) -> timedelta:
        return timedelta(microseconds=case[key])

    def instant(key: str) -> datetime | None:
        return None if case[key] is None else from_micros(case[key])

    starts = free_starts(free, duration=delta("duration"), buffer_before=delta("buffer_before"),
                         buffer_after=delta("buffer_after"), granularity=delta("granularity"), tz=case["tz"],
                         not_before=instant("not_before"), not_after=instant("not_after"))
    return [to_micros(start) for start in starts]


def fast_starts(case: dict, free: list[tuple[int, int]]) -> list[int]:
    return free_start_micros(free, duration=case["duration"], buffer_before=case["buffer_before"],
                             buffer_after=case["buffer_after"], granularity=case["granularity"], tz=case["tz"],
                             not_before=case["not_before"], not_after=case["not_after"])


# --- the oracle ----------------------------------------------------------------------------------------


@ORACLE_SETTINGS
@given(schedules())
def test_integer_working_time_is_exactly_the_datetime_working_time(case):
    assert fast_working(case) == spans_of(general_working(case))


@ORACLE_SETTINGS
@given(services())
def test_integer_slots_are_exactly_the_datetime_slots(case):
    free = subtract(general_working(case), intervals_of(case["busy"]))
    fast_free = subtract_spans(fast_working(case), case["busy"])

    assert fast_free == spans_of(free)
    assert fast_starts(case, fast_free) == general_starts(case, free)


@ORACLE_SETTINGS
@given(services())
def test_busy_time_struck_out_of_the_working_grid_leaves_exactly_the_datetime_slots(case):
    """The selectors' shortcut for staff who share working hours: one grid, each one's busy time struck out."""
    grid = fast_starts(case, fast_working(case))
    starts = unblocked_starts(grid, case["busy"], before=case["buffer_before"],
                              after=case["duration"] + case["buffer_after"])
    assert starts == general_starts(case, subtract(general_working(case), intervals_of(case["busy"])))


@ORACLE_SETTINGS
@given(services())
def test_integer_slots_from_unsorted_overlapping_free_time_are_the_datetime_slots(case):
    """Free time as given, not canonical: both paths merge it first."""
    assert fast_starts(case, case["busy"]) == general_starts(case, intervals_of(case["busy"]))


@st.composite
def free_time_across_changes(draw):
    """Long free spans (up to three days) that often contain a clock change, with any service and grid."""
    tz = draw(st.sampled_from([tz for tz in ZONES if CHANGE_DAYS[tz.key]]))
    change_day = draw(st.sampled_from(CHANGE_DAYS[tz.key]))
    midnight = to_micros(datetime.combine(change_day, time(0), tzinfo=tz))
    offsets = st.integers(-2 * 24 * 60, 24 * 60).map(lambda m: midnight + m * MINUTE_US)
    lengths = st.integers(1, 3 * 24 * 60).map(lambda m: m * MINUTE_US)
    free = draw(st.lists(st.tuples(offsets, lengths).map(lambda p: (p[0], sum(p))), min_size=1, max_size=4))
    limit = st.none() | offsets
    return {
        "tz": tz, "free": free, "duration": draw(st.integers(1, 48)) * 5 * MINUTE_US,
        "buffer_before": draw(st.integers(0, 6)) * 5 * MINUTE_US,
        "buffer_after": draw(st.integers(0, 6)) * 5 * MINUTE_US,
        "granularity": draw(st.sampled_from(GRANULARITY_MINUTES)) * MINUTE_US,
        "not_before": draw(limit), "not_after": draw(limit),
    }


@ORACLE_SETTINGS
@given(free_time_across_changes())
def test_integer_slots_across_a_clock_change_are_the_datetime_slots(case):
    assert fast_starts(case, case["free"]) == general_starts(case, intervals_of(case["free"]))


span_lists = st.lists(
    st.tuples(st.integers(0, 10**9), st.integers(1, 10**8)).map(lambda p: (1_800_000_000 * SECOND_US + p[0],
                                                                           1_800_000_000 * SECOND_US + sum(p))),
    max_size=10,
)


@settings(max_examples=300, deadline=None)
@given(span_lists, span_lists)
def test_integer_merge_subtract_and_intersect_are_the_datetime_ones(a, b):
    assert merge_spans(a) == spans_of(merge(intervals_of(a)))
    assert subtract_spans(a, b) == spans_of(subtract(intervals_of(a), intervals_of(b)))
    assert intersect_spans(a, b) == spans_of(intersect(intervals_of(a), intervals_of(b)))


# --- clock changes by example ----------------------------------------------------------------------------


def test_microseconds_convert_both_ways_exactly():
    instant = datetime(2027, 3, 28, 0, 59, 59, 999_999, tzinfo=UTC)
    assert from_micros(to_micros(instant)) == instant
    assert from_micros(to_micros(instant)).tzinfo is UTC
    assert to_micros(instant.astimezone(HELSINKI)) == to_micros(instant)


def test_working_time_in_the_spring_gap_starts_at_the_change_on_the_integer_path_too():
    rules = [WeeklyRule(SPRING_SUNDAY.weekday(), time(3, 30), time(6))]
    assert working_spans(rules, HELSINKI, SPRING_SUNDAY, SPRING_SUNDAY) == [
        (at(HELSINKI, SPRING_SUNDAY, "04:00"), at(HELSINKI, SPRING_SUNDAY, "06:00"))
    ]


def test_nine_to_five_is_eight_real_hours_on_both_dst_sundays_on_the_integer_path():
    for tz in (HELSINKI, WARSAW):
        for sunday in (SPRING_SUNDAY, AUTUMN_SUNDAY):
            rules = [WeeklyRule(6, time(9), time(17))]
            [(start, end)] = working_spans(rules, tz, sunday, sunday)
            assert (start, end) == (at(tz, sunday, "09:00"), at(tz, sunday, "17:00"))
            assert end - start == 8 * 60 * MINUTE_US


def test_repeated_wall_clock_times_are_offered_once_per_real_instant_on_the_integer_path():
    night = [(at(HELSINKI, AUTUMN_SUNDAY, "02:00"), at(HELSINKI, AUTUMN_SUNDAY, "06:00"))]
    starts = free_start_micros(night, duration=30 * MINUTE_US, granularity=30 * MINUTE_US, tz=HELSINKI)
    walls = [from_micros(start).astimezone(HELSINKI).strftime("%H:%M") for start in starts]
    assert walls == ["02:00", "02:30", "03:00", "03:30", "03:00", "03:30", "04:00", "04:30", "05:00", "05:30"]


def test_wall_clock_times_in_the_spring_gap_are_not_offered_on_the_integer_path():
    night = [(at(WARSAW, SPRING_SUNDAY, "00:00"), at(WARSAW, SPRING_SUNDAY, "05:00"))]
    starts = free_start_micros(night, duration=60 * MINUTE_US, granularity=60 * MINUTE_US, tz=WARSAW)
    walls = [from_micros(start).astimezone(WARSAW).strftime("%H:%M") for start in starts]
    assert walls == ["00:00", "01:00", "03:00", "04:00"]  # 02:00 never shows; 04:00-05:00 still fits


def test_a_month_across_the_change_keeps_local_slot_times_on_both_sides():
    rules = [WeeklyRule(weekday, time(9), time(10)) for weekday in range(7)]
    first, last = SPRING_SUNDAY - timedelta(days=14), SPRING_SUNDAY + timedelta(days=14)
    working = working_spans(rules, HELSINKI, first, last)
    starts = free_start_micros(working, duration=30 * MINUTE_US, granularity=15 * MINUTE_US, tz=HELSINKI)
    walls = {from_micros(start).astimezone(HELSINKI).strftime("%H:%M") for start in starts}
    assert walls == {"09:00", "09:15", "09:30"}
    assert len(starts) == 3 * 29


def test_spans_from_rows_tell_the_two_readings_of_a_fold_apart():
    first = datetime.combine(AUTUMN_SUNDAY, time(3, 30), tzinfo=HELSINKI)
    second = first.replace(fold=1)
    [(start, end)] = to_spans([(first, second)])
    assert end - start == 60 * MINUTE_US
    assert to_spans([(first.astimezone(UTC), second.astimezone(UTC))]) == [(start, end)]
