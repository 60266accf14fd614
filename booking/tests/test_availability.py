"""The availability engine by example: working hours, interval arithmetic, slot starts and DST days.

Pure functions over aware datetimes: these tests need neither a database nor Django.
"""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from booking.availability import WeeklyRule
from booking.tests.oracle import Interval, free_starts, intersect, merge, subtract, working_intervals

HELSINKI = ZoneInfo("Europe/Helsinki")
WARSAW = ZoneInfo("Europe/Warsaw")
NEW_YORK = ZoneInfo("America/New_York")

MONDAY = date(2026, 6, 15)  # an ordinary summer week, no clock change near
SUNDAY = MONDAY + timedelta(days=6)
SPRING_SUNDAY = date(2027, 3, 28)  # EU: Helsinki 03:00 -> 04:00, Warsaw 02:00 -> 03:00
AUTUMN_SUNDAY = date(2026, 10, 25)  # EU: Helsinki 04:00 -> 03:00, Warsaw 03:00 -> 02:00

HOUR = timedelta(hours=1)
QUARTER = timedelta(minutes=15)


def at(tz: ZoneInfo, day: date, hhmm: str, *, fold: int = 0) -> datetime:
    """The instant clocks in tz show hhmm on day, in UTC (fold=1: the second of two readings)."""
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=tz).replace(fold=fold).astimezone(UTC)


def span(tz: ZoneInfo, day: date, start: str, end: str) -> Interval:
    return Interval(at(tz, day, start), at(tz, day, end))


def walls(starts: list[datetime], tz: ZoneInfo) -> list[str]:
    return [start.astimezone(tz).strftime("%H:%M") for start in starts]


def quarter_hours(first: str, last: str) -> list[str]:
    minute, end = time.fromisoformat(first), time.fromisoformat(last)
    current = datetime.combine(MONDAY, minute)
    result = []
    while current.time() <= end and current.date() == MONDAY:
        result.append(current.strftime("%H:%M"))
        current += QUARTER
    return result


NINE_TO_FIVE_WEEKDAYS = [WeeklyRule(weekday, time(9), time(17)) for weekday in range(5)]


# --- working hours -----------------------------------------------------------------------------------


def test_week_with_lunch_break_gives_a_morning_and_an_afternoon_on_working_days_only():
    rules = [
        rule
        for weekday in range(5)
        for rule in (WeeklyRule(weekday, time(9), time(12)), WeeklyRule(weekday, time(13), time(17)))
    ]

    result = working_intervals(rules, HELSINKI, MONDAY, SUNDAY)

    expected = []
    for offset in range(5):
        day = MONDAY + timedelta(days=offset)
        expected += [span(HELSINKI, day, "09:00", "12:00"), span(HELSINKI, day, "13:00", "17:00")]
    assert result == expected
    assert all(interval.start.tzinfo is UTC and interval.end.tzinfo is UTC for interval in result)


def test_rules_apply_only_between_valid_from_and_valid_until_inclusive():
    old = WeeklyRule(0, time(9), time(17), valid_until=MONDAY + timedelta(days=7))
    new = WeeklyRule(0, time(10), time(14), valid_from=MONDAY + timedelta(days=14))

    result = working_intervals([old, new], HELSINKI, MONDAY, MONDAY + timedelta(days=20))

    assert result == [
        span(HELSINKI, MONDAY, "09:00", "17:00"),
        span(HELSINKI, MONDAY + timedelta(days=7), "09:00", "17:00"),
        span(HELSINKI, MONDAY + timedelta(days=14), "10:00", "14:00"),
    ]


def test_closed_days_have_no_working_hours():
    wednesday = MONDAY + timedelta(days=2)

    result = working_intervals(NINE_TO_FIVE_WEEKDAYS, HELSINKI, MONDAY, SUNDAY, closed_days={wednesday})

    assert [interval.start.astimezone(HELSINKI).date() for interval in result] == [
        MONDAY,
        MONDAY + timedelta(days=1),
        MONDAY + timedelta(days=3),
        MONDAY + timedelta(days=4),
    ]


def test_extra_hours_are_added_merged_and_can_open_a_closed_day():
    tuesday, saturday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=5)
    extra = [span(HELSINKI, tuesday, "17:00", "19:00"), span(HELSINKI, saturday, "10:00", "14:00")]

    result = working_intervals(NINE_TO_FIVE_WEEKDAYS, HELSINKI, tuesday, saturday, closed_days={saturday}, extra=extra)

    assert span(HELSINKI, tuesday, "09:00", "19:00") in result
    assert result[-1] == span(HELSINKI, saturday, "10:00", "14:00")


def test_overlapping_and_touching_rules_on_one_day_merge_into_one_interval():
    rules = [WeeklyRule(0, time(9), time(12)), WeeklyRule(0, time(12), time(14)), WeeklyRule(0, time(13), time(17))]

    assert working_intervals(rules, HELSINKI, MONDAY, MONDAY) == [span(HELSINKI, MONDAY, "09:00", "17:00")]


def test_rule_ending_at_midnight_runs_into_the_next_mornings_rule():
    rules = [WeeklyRule(0, time(22), time(0)), WeeklyRule(1, time(0), time(6))]

    result = working_intervals(rules, HELSINKI, MONDAY, MONDAY + timedelta(days=1))

    assert result == [Interval(at(HELSINKI, MONDAY, "22:00"), at(HELSINKI, MONDAY + timedelta(days=1), "06:00"))]
    assert result[0].duration == 8 * HOUR


def test_a_night_shift_is_one_rule_ending_the_next_morning():
    rules = [WeeklyRule(0, time(22), time(6))]

    result = working_intervals(rules, HELSINKI, MONDAY, MONDAY)

    assert result == [Interval(at(HELSINKI, MONDAY, "22:00"), at(HELSINKI, MONDAY + timedelta(days=1), "06:00"))]
    # The rule is Monday's: Tuesday alone has none of it.
    assert working_intervals(rules, HELSINKI, MONDAY + timedelta(days=1), MONDAY + timedelta(days=1)) == []


def test_midnight_to_midnight_is_the_whole_day():
    assert working_intervals([WeeklyRule(0, time(0), time(0))], HELSINKI, MONDAY, MONDAY)[0].duration == 24 * HOUR


def test_empty_day_range_has_no_working_hours():
    assert working_intervals(NINE_TO_FIVE_WEEKDAYS, HELSINKI, MONDAY, MONDAY - timedelta(days=1)) == []


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"weekday": 7, "start": time(9), "end": time(17)}, ValueError),
        ({"weekday": -1, "start": time(9), "end": time(17)}, ValueError),
        ({"weekday": 0, "start": time(9), "end": time(9)}, ValueError),
        ({"weekday": 0, "start": time(9, tzinfo=UTC), "end": time(17)}, ValueError),
        ({"weekday": 0, "start": "09:00", "end": time(17)}, TypeError),
        (
            {
                "weekday": 0,
                "start": time(9),
                "end": time(17),
                "valid_from": date(2026, 2, 1),
                "valid_until": date(2026, 1, 31),
            },
            ValueError,
        ),
    ],
)
def test_weekly_rule_rejects_invalid_values(kwargs, error):
    with pytest.raises(error):
        WeeklyRule(**kwargs)


def test_working_intervals_rejects_datetimes_as_days_and_a_missing_zone():
    with pytest.raises(TypeError):
        working_intervals(NINE_TO_FIVE_WEEKDAYS, HELSINKI, datetime(2026, 6, 15, tzinfo=UTC), SUNDAY)
    with pytest.raises(TypeError):
        working_intervals(NINE_TO_FIVE_WEEKDAYS, "Europe/Helsinki", MONDAY, SUNDAY)


# --- intervals and their arithmetic -----------------------------------------------------------------

BASE = datetime(2026, 6, 15, tzinfo=UTC)


def iv(start_hour: float, end_hour: float) -> Interval:
    return Interval(BASE + start_hour * HOUR, BASE + end_hour * HOUR)


def test_interval_is_stored_in_utc_and_tells_the_two_readings_of_a_fold_apart():
    interval = Interval(datetime(2026, 6, 15, 9, tzinfo=HELSINKI), datetime(2026, 6, 15, 10, tzinfo=HELSINKI))
    assert interval == Interval(datetime(2026, 6, 15, 6, tzinfo=UTC), datetime(2026, 6, 15, 7, tzinfo=UTC))
    assert interval.start.tzinfo is UTC

    first = datetime(2026, 10, 25, 3, 30, tzinfo=HELSINKI)
    second = first.replace(fold=1)
    assert first == second  # Python compares same-zone datetimes by wall clock...
    assert Interval(first, first + HOUR) != Interval(second, second + HOUR)  # ...the engine does not


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2026, 6, 15, 9), datetime(2026, 6, 15, 10, tzinfo=UTC)),
        (datetime(2026, 6, 15, 9, tzinfo=UTC), datetime(2026, 6, 15, 10)),
        (datetime(2026, 6, 15, 9, tzinfo=UTC), datetime(2026, 6, 15, 9, tzinfo=UTC)),
        (datetime(2026, 6, 15, 10, tzinfo=UTC), datetime(2026, 6, 15, 9, tzinfo=UTC)),
    ],
    ids=["naive-start", "naive-end", "empty", "reversed"],
)
def test_interval_rejects_naive_empty_and_reversed_spans(start, end):
    with pytest.raises(ValueError, match=r"aware|end after"):
        Interval(start, end)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ([], []),
        ([iv(9, 12), iv(12, 14)], [iv(9, 14)]),  # touching
        ([iv(9, 12), iv(11, 14)], [iv(9, 14)]),  # overlapping
        ([iv(9, 17), iv(10, 11)], [iv(9, 17)]),  # nested
        ([iv(13, 14), iv(9, 10), iv(9, 10)], [iv(9, 10), iv(13, 14)]),  # unsorted, duplicated, disjoint
        ([iv(9, 10), iv(11, 12), iv(10, 11)], [iv(9, 12)]),  # a middle piece closes two gaps
    ],
    ids=["empty", "touching", "overlapping", "nested", "unsorted-disjoint", "bridged"],
)
def test_merge_joins_overlapping_and_touching_intervals(given, expected):
    assert merge(given) == expected


@pytest.mark.parametrize(
    ("free", "busy", "expected"),
    [
        ([iv(9, 17)], [], [iv(9, 17)]),
        ([], [iv(9, 17)], []),
        ([iv(9, 17)], [iv(8, 9), iv(17, 18)], [iv(9, 17)]),  # touching the edges takes nothing
        ([iv(9, 17)], [iv(12, 13)], [iv(9, 12), iv(13, 17)]),  # nested busy splits free
        ([iv(9, 17)], [iv(8, 18)], []),  # busy covers free
        ([iv(9, 17)], [iv(8, 10), iv(16, 18)], [iv(10, 16)]),  # trims both ends
        ([iv(9, 12), iv(13, 17)], [iv(11, 14)], [iv(9, 11), iv(14, 17)]),  # one busy across two free
        ([iv(9, 17)], [iv(10, 11), iv(10.5, 12), iv(14, 15)], [iv(9, 10), iv(12, 14), iv(15, 17)]),  # busy overlap
        ([iv(13, 17), iv(9, 12)], [iv(15, 16), iv(10, 11)], [iv(9, 10), iv(11, 12), iv(13, 15), iv(16, 17)]),
    ],
    ids=[
        "no-busy",
        "no-free",
        "touching",
        "nested",
        "covering",
        "trimming",
        "spanning",
        "overlapping-busy",
        "unsorted",
    ],
)
def test_subtract_removes_busy_time_from_free_time(free, busy, expected):
    assert subtract(free, busy) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([iv(9, 17)], [], []),
        ([iv(9, 12)], [iv(12, 17)], []),  # touching shares no instant
        ([iv(9, 17)], [iv(10, 11)], [iv(10, 11)]),  # nested
        ([iv(9, 13)], [iv(11, 17)], [iv(11, 13)]),  # overlapping
        ([iv(9, 12), iv(13, 17)], [iv(8, 18)], [iv(9, 12), iv(13, 17)]),
        (
            [iv(9, 11), iv(12, 14), iv(15, 17)],
            [iv(10, 12.5), iv(13.5, 16)],
            [iv(10, 11), iv(12, 12.5), iv(13.5, 14), iv(15, 16)],
        ),
    ],
    ids=["empty", "touching", "nested", "overlapping", "one-covers-many", "interleaved"],
)
def test_intersect_keeps_time_free_in_both(a, b, expected):
    assert intersect(a, b) == expected
    assert intersect(b, a) == expected


# --- slot starts on an ordinary day ------------------------------------------------------------------

NINE_TO_FIVE = [span(HELSINKI, MONDAY, "09:00", "17:00")]


def test_one_hour_service_in_a_nine_to_five_day_starts_every_quarter_hour_until_four():
    starts = free_starts(NINE_TO_FIVE, duration=HOUR, granularity=QUARTER, tz=HELSINKI)

    assert walls(starts, HELSINKI) == quarter_hours("09:00", "16:00")
    assert all(start.tzinfo is UTC for start in starts)


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (15, quarter_hours("09:00", "16:00")),
        (
            30,
            [
                "09:00",
                "09:30",
                "10:00",
                "10:30",
                "11:00",
                "11:30",
                "12:00",
                "12:30",
                "13:00",
                "13:30",
                "14:00",
                "14:30",
                "15:00",
                "15:30",
                "16:00",
            ],
        ),
        (60, ["09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"]),
    ],
)
def test_granularity_sets_the_spacing_of_starts(minutes, expected):
    starts = free_starts(NINE_TO_FIVE, duration=HOUR, granularity=timedelta(minutes=minutes), tz=HELSINKI)

    assert walls(starts, HELSINKI) == expected


def test_grid_counts_from_local_midnight_not_from_the_start_of_free_time():
    free = [span(HELSINKI, MONDAY, "09:10", "12:00")]

    starts = free_starts(free, duration=timedelta(minutes=30), granularity=timedelta(minutes=30), tz=HELSINKI)

    assert walls(starts, HELSINKI) == ["09:30", "10:00", "10:30", "11:00", "11:30"]


def test_grid_follows_local_midnight_in_a_zone_with_a_half_hour_offset():
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+05:30: local 09:00 is 03:30 UTC
    free = [span(kolkata, MONDAY, "09:00", "11:00")]

    starts = free_starts(free, duration=HOUR, granularity=HOUR, tz=kolkata)

    assert walls(starts, kolkata) == ["09:00", "10:00"]
    assert [start.strftime("%H:%M") for start in starts] == ["03:30", "04:30"]


def test_service_buffers_must_fit_in_free_time_around_the_service():
    starts = free_starts(
        NINE_TO_FIVE,
        duration=HOUR,
        buffer_before=timedelta(minutes=10),
        buffer_after=timedelta(minutes=15),
        granularity=QUARTER,
        tz=HELSINKI,
    )

    # 09:00 would need 08:50-09:00 free; 16:00 would need 17:00-17:15 free.
    assert walls(starts, HELSINKI) == quarter_hours("09:15", "15:45")


def test_busy_time_blocks_overlapping_starts_but_a_span_may_touch_it():
    free = subtract(NINE_TO_FIVE, [span(HELSINKI, MONDAY, "12:00", "13:00")])

    starts = walls(free_starts(free, duration=HOUR, granularity=QUARTER, tz=HELSINKI), HELSINKI)

    assert "11:00" in starts  # ends exactly when the busy hour begins
    assert "13:00" in starts  # begins exactly when it ends
    assert not {"11:15", "11:30", "11:45", "12:00", "12:45"} & set(starts)


def test_buffer_after_keeps_a_gap_before_the_next_appointment():
    free = subtract(NINE_TO_FIVE, [span(HELSINKI, MONDAY, "12:00", "13:00")])

    starts = walls(free_starts(free, duration=HOUR, buffer_after=QUARTER, granularity=QUARTER, tz=HELSINKI), HELSINKI)

    assert "10:45" in starts
    assert "11:00" not in starts


def test_minimum_notice_and_maximum_advance_are_inclusive_limits():
    starts = free_starts(
        NINE_TO_FIVE,
        duration=HOUR,
        granularity=QUARTER,
        tz=HELSINKI,
        not_before=at(HELSINKI, MONDAY, "10:05"),
        not_after=at(HELSINKI, MONDAY, "11:00"),
    )

    assert walls(starts, HELSINKI) == ["10:15", "10:30", "10:45", "11:00"]


def test_limits_in_another_zone_mean_the_same_instants():
    not_before = at(HELSINKI, MONDAY, "10:00").astimezone(NEW_YORK)

    starts = free_starts(NINE_TO_FIVE, duration=HOUR, granularity=HOUR, tz=HELSINKI, not_before=not_before)

    assert walls(starts, HELSINKI) == ["10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"]


def test_service_longer_than_any_free_time_has_no_starts():
    assert free_starts(NINE_TO_FIVE, duration=8 * HOUR + QUARTER, granularity=QUARTER, tz=HELSINKI) == []
    assert free_starts([], duration=HOUR, granularity=QUARTER, tz=HELSINKI) == []


def test_touching_free_intervals_count_as_one_stretch():
    free = [span(HELSINKI, MONDAY, "12:00", "17:00"), span(HELSINKI, MONDAY, "09:00", "12:00")]

    starts = walls(free_starts(free, duration=2 * HOUR, granularity=HOUR, tz=HELSINKI), HELSINKI)

    assert starts == ["09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00"]


def test_service_needing_a_room_and_a_staff_member_starts_only_when_both_are_free():
    staff = subtract(NINE_TO_FIVE, [span(HELSINKI, MONDAY, "12:00", "13:00")])
    room = [span(HELSINKI, MONDAY, "08:00", "11:00"), span(HELSINKI, MONDAY, "12:30", "15:00")]

    starts = free_starts(intersect(staff, room), duration=HOUR, granularity=HOUR, tz=HELSINKI)

    assert walls(starts, HELSINKI) == ["09:00", "10:00", "13:00", "14:00"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"granularity": timedelta(0)},
        {"granularity": -QUARTER},
        {"granularity": timedelta(minutes=7)},  # does not divide 24 hours
        {"granularity": timedelta(hours=25)},
        {"duration": timedelta(0)},
        {"buffer_before": -QUARTER},
        {"buffer_after": -QUARTER},
        {"not_before": datetime(2026, 6, 15, 9)},
        {"not_after": datetime(2026, 6, 15, 17)},
    ],
    ids=[
        "zero-grid",
        "negative-grid",
        "grid-not-dividing-a-day",
        "grid-over-a-day",
        "zero-duration",
        "negative-buffer-before",
        "negative-buffer-after",
        "naive-not-before",
        "naive-not-after",
    ],
)
def test_free_starts_rejects_invalid_arguments(kwargs):
    arguments = {"duration": HOUR, "granularity": QUARTER, "tz": HELSINKI} | kwargs

    with pytest.raises(ValueError):
        free_starts(NINE_TO_FIVE, **arguments)


# --- DST ------------------------------------------------------------------------------------------------

DST_SUNDAYS = [
    pytest.param(HELSINKI, SPRING_SUNDAY, timedelta(hours=3), id="helsinki-spring"),
    pytest.param(HELSINKI, AUTUMN_SUNDAY, timedelta(hours=2), id="helsinki-autumn"),
    pytest.param(WARSAW, SPRING_SUNDAY, timedelta(hours=2), id="warsaw-spring"),
    pytest.param(WARSAW, AUTUMN_SUNDAY, timedelta(hours=1), id="warsaw-autumn"),
]


@pytest.mark.parametrize(("tz", "sunday", "offset_after_change"), DST_SUNDAYS)
def test_nine_to_five_on_a_dst_sunday_is_eight_hours_of_quarter_hour_slots(tz, sunday, offset_after_change):
    working = working_intervals([WeeklyRule(6, time(9), time(17))], tz, sunday, sunday)

    starts = free_starts(working, duration=QUARTER, granularity=QUARTER, tz=tz)

    assert [interval.duration for interval in working] == [8 * HOUR]
    assert walls(starts, tz) == quarter_hours("09:00", "16:45")  # 32 starts: none missing, doubled or shifted
    assert {start.astimezone(tz).utcoffset() for start in starts} == {offset_after_change}
    assert starts[0] == datetime.combine(sunday, time(9), tzinfo=UTC) - offset_after_change
    assert {later - earlier for earlier, later in pairwise(starts)} == {QUARTER}


@pytest.mark.parametrize(("tz", "sunday", "offset_after_change"), DST_SUNDAYS)
def test_slots_keep_their_local_time_across_the_dst_weekend(tz, sunday, offset_after_change):
    saturday, monday = sunday - timedelta(days=1), sunday + timedelta(days=1)
    rules = [WeeklyRule(weekday, time(9), time(17)) for weekday in range(7)]
    working = working_intervals(rules, tz, saturday, monday)

    starts = free_starts(working, duration=HOUR, granularity=HOUR, tz=tz)

    by_day: dict[date, list[str]] = {}
    for start in starts:
        by_day.setdefault(start.astimezone(tz).date(), []).append(start.astimezone(tz).strftime("%H:%M"))
    hourly = ["09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"]
    assert by_day == {saturday: hourly, sunday: hourly, monday: hourly}
    saturday_nine, sunday_nine = starts[0], starts[8]
    # The same local 09:00 is 23 or 25 real hours after Saturday's.
    change = HOUR if sunday == SPRING_SUNDAY else -HOUR
    assert sunday_nine - saturday_nine == timedelta(days=1) - change
    assert sunday_nine.astimezone(tz).utcoffset() == offset_after_change


@pytest.mark.parametrize(
    ("tz", "sunday", "hours"),
    [
        (HELSINKI, SPRING_SUNDAY, 23),
        (HELSINKI, AUTUMN_SUNDAY, 25),
        (WARSAW, SPRING_SUNDAY, 23),
        (WARSAW, AUTUMN_SUNDAY, 25),
        (HELSINKI, SUNDAY, 24),
    ],
)
def test_a_day_open_around_the_clock_has_as_many_hours_as_the_clocks_show(tz, sunday, hours):
    working = working_intervals([WeeklyRule(6, time(0), time(0))], tz, sunday, sunday)

    assert [interval.duration for interval in working] == [hours * HOUR]
    assert len(free_starts(working, duration=QUARTER, granularity=QUARTER, tz=tz)) == hours * 4


NIGHT_SHIFT = [WeeklyRule(5, time(22), time(0)), WeeklyRule(6, time(0), time(6))]  # Saturday 22:00 - Sunday 06:00


@pytest.mark.parametrize(
    ("tz", "sunday", "expected"),
    [
        (HELSINKI, SUNDAY, ["22:00", "23:00", "00:00", "01:00", "02:00", "03:00", "04:00", "05:00"]),
        (HELSINKI, SPRING_SUNDAY, ["22:00", "23:00", "00:00", "01:00", "02:00", "04:00", "05:00"]),
        (HELSINKI, AUTUMN_SUNDAY, ["22:00", "23:00", "00:00", "01:00", "02:00", "03:00", "03:00", "04:00", "05:00"]),
        (WARSAW, SPRING_SUNDAY, ["22:00", "23:00", "00:00", "01:00", "03:00", "04:00", "05:00"]),
        (WARSAW, AUTUMN_SUNDAY, ["22:00", "23:00", "00:00", "01:00", "02:00", "02:00", "03:00", "04:00", "05:00"]),
    ],
    ids=["helsinki-ordinary", "helsinki-spring", "helsinki-autumn", "warsaw-spring", "warsaw-autumn"],
)
def test_night_shift_across_the_change_has_as_many_real_hours_as_pass(tz, sunday, expected):
    working = working_intervals(NIGHT_SHIFT, tz, sunday - timedelta(days=1), sunday)

    starts = free_starts(working, duration=HOUR, granularity=HOUR, tz=tz)

    assert [interval.duration for interval in working] == [len(expected) * HOUR]  # 7 in spring, 9 in autumn
    assert walls(starts, tz) == expected
    assert {later - earlier for earlier, later in pairwise(starts)} == {HOUR}


@pytest.mark.parametrize(("tz", "gap_hour"), [(HELSINKI, 3), (WARSAW, 2)])
def test_wall_clock_times_in_the_spring_gap_are_not_offered(tz, gap_hour):
    free = [Interval(at(tz, SPRING_SUNDAY, "00:00"), at(tz, SPRING_SUNDAY + timedelta(days=1), "00:00"))]

    starts = free_starts(free, duration=QUARTER, granularity=QUARTER, tz=tz)

    local_hours = [start.astimezone(tz).hour for start in starts]
    assert gap_hour not in local_hours
    assert len(starts) == len(set(starts)) == 23 * 4


@pytest.mark.parametrize(("tz", "fold_hour"), [(HELSINKI, "03"), (WARSAW, "02")])
def test_repeated_wall_clock_times_are_offered_once_per_free_real_instant(tz, fold_hour):
    first_pass = Interval(at(tz, AUTUMN_SUNDAY, f"{fold_hour}:00"), at(tz, AUTUMN_SUNDAY, f"{fold_hour}:00", fold=1))
    all_night = [Interval(at(tz, AUTUMN_SUNDAY, "00:00"), at(tz, AUTUMN_SUNDAY, "06:00"))]
    repeated = [f"{fold_hour}:00", f"{fold_hour}:15", f"{fold_hour}:30", f"{fold_hour}:45"]

    both = free_starts(all_night, duration=QUARTER, granularity=QUARTER, tz=tz)
    second_only = free_starts(subtract(all_night, [first_pass]), duration=QUARTER, granularity=QUARTER, tz=tz)

    assert len(both) == 7 * 4
    assert [wall for wall in walls(both, tz) if wall.startswith(fold_hour)] == repeated + repeated
    assert [wall for wall in walls(second_only, tz) if wall.startswith(fold_hour)] == repeated
    assert all(start.astimezone(tz).fold == 1 for start in second_only if walls([start], tz)[0] in repeated)


@pytest.mark.parametrize(("tz", "fold_hour"), [(HELSINKI, "03"), (WARSAW, "02")])
def test_free_time_from_late_in_the_first_pass_of_a_fold_offers_the_whole_second_pass(tz, fold_hour):
    free = [Interval(at(tz, AUTUMN_SUNDAY, f"{fold_hour}:50"), at(tz, AUTUMN_SUNDAY, "06:00"))]

    starts = free_starts(free, duration=QUARTER, granularity=QUARTER, tz=tz)

    # The clock reads :50 and then goes back an hour: the second pass starts below the first reading.
    assert walls(starts, tz)[:5] == [
        f"{fold_hour}:00",
        f"{fold_hour}:15",
        f"{fold_hour}:30",
        f"{fold_hour}:45",
        f"{int(fold_hour) + 1:02}:00",
    ]
    assert all(start.astimezone(tz).fold == 1 for start in starts[:4])


def test_working_time_bounded_inside_the_spring_gap_starts_or_ends_at_the_change():
    before, after = WeeklyRule(6, time(2), time(3, 30)), WeeklyRule(6, time(3, 30), time(6))  # 03:30 never shows

    (early,), (late,) = (working_intervals([rule], HELSINKI, SPRING_SUNDAY, SPRING_SUNDAY) for rule in (before, after))

    change = at(HELSINKI, SPRING_SUNDAY, "04:00")
    assert early == Interval(at(HELSINKI, SPRING_SUNDAY, "02:00"), change)
    assert late == Interval(change, at(HELSINKI, SPRING_SUNDAY, "06:00"))
    assert (early.duration, late.duration) == (HOUR, 2 * HOUR)


def test_working_time_within_the_spring_gap_is_no_time_at_all():
    rules = [WeeklyRule(6, time(3, 10), time(3, 50))]

    assert working_intervals(rules, HELSINKI, SPRING_SUNDAY, SPRING_SUNDAY) == []


def test_working_time_bounded_inside_the_autumn_fold_starts_or_ends_when_the_clock_first_shows_it():
    rules = [WeeklyRule(6, time(0), time(3, 30)), WeeklyRule(6, time(3, 30), time(6)), WeeklyRule(6, time(3), time(4))]

    early, late, repeated = (working_intervals([rule], HELSINKI, AUTUMN_SUNDAY, AUTUMN_SUNDAY)[0] for rule in rules)

    half_past_three = at(HELSINKI, AUTUMN_SUNDAY, "03:30")  # the first of the two
    assert early == Interval(at(HELSINKI, AUTUMN_SUNDAY, "00:00"), half_past_three)
    assert late == Interval(half_past_three, at(HELSINKI, AUTUMN_SUNDAY, "06:00"))
    assert early.duration == late.duration == timedelta(hours=3, minutes=30)
    assert repeated.duration == 2 * HOUR  # the clock shows 03:00-04:00 twice
    assert working_intervals(rules[:2], HELSINKI, AUTUMN_SUNDAY, AUTUMN_SUNDAY)[0].duration == 7 * HOUR


@pytest.mark.parametrize(
    ("day", "new_york_walls"),
    [
        (MONDAY, ["02:00", "03:00", "04:00", "05:00", "06:00", "07:00", "08:00", "09:00"]),  # 7 hours apart
        (date(2027, 3, 22), ["03:00", "04:00", "05:00", "06:00", "07:00", "08:00", "09:00", "10:00"]),  # US moved first
    ],
)
def test_client_in_new_york_sees_the_same_instants_at_their_own_wall_clock(day, new_york_walls):
    working = working_intervals([WeeklyRule(0, time(9), time(17))], HELSINKI, day, day)

    starts = free_starts(working, duration=HOUR, granularity=HOUR, tz=HELSINKI)

    assert all(start.tzinfo is UTC for start in starts)
    assert walls(starts, HELSINKI) == ["09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"]
    assert walls(starts, NEW_YORK) == new_york_walls
    assert [start.astimezone(NEW_YORK) for start in starts] == [
        at(HELSINKI, day, wall) for wall in walls(starts, HELSINKI)
    ]
