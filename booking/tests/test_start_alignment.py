"""Starts that follow the free time (issue 12, item 25): no free gap long enough for a service goes unoffered.

A grid counted from midnight loses the time between a booking's end and the next grid time: after a
45-minute booking ending 10:45 with a 30-minute step it offers 11:00. Starts aligned to the free time
offer 10:45. The properties hold the engine to that promise on random free time in zones with clock
changes; the examples show it through ``free_slots`` and the booking page's data, and that a service can
keep the clock grid.
"""

import datetime as dt
from bisect import bisect_right
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from booking.availability import aligned_start_micros, from_micros, merge_spans, to_micros
from booking.models import Channel, StartAlignment
from booking.selectors import free_slots, free_times
from booking.services import appointment_book
from booking.tests.oracle import Interval
from booking.tests.reference import aligned_starts
from booking.tests.test_availability_properties import CHANGE_DAYS, FIRST, LAST, PROPERTY_SETTINGS, ZONES
from kernel.audit import Actor

MINUTE = 60_000_000
HEL = ZoneInfo("Europe/Helsinki")
TUESDAY = dt.date(2026, 12, 8)  # an ordinary working day in Finland
NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@st.composite
def free_time(draw):
    """Free spans (often off any grid, sometimes across a midnight or a clock change) and a service."""
    tz = draw(st.sampled_from(ZONES))
    changes = CHANGE_DAYS[tz.key]
    day = draw(st.sampled_from(changes) | st.dates(FIRST, LAST)) if changes else draw(st.dates(FIRST, LAST))
    origin = to_micros(dt.datetime.combine(day, dt.time(0), tz)) - 6 * 60 * MINUTE
    spans = [(origin + start * MINUTE, origin + (start + length) * MINUTE)
             for start, length in draw(st.lists(st.tuples(st.integers(0, 48 * 60), st.integers(1, 20 * 60)),
                                                max_size=6))]
    service = {"duration": draw(st.integers(5, 180)) * MINUTE, "buffer_before": draw(st.sampled_from([0, 5, 15])) *
               MINUTE, "buffer_after": draw(st.sampled_from([0, 10, 15])) * MINUTE,
               "step": draw(st.sampled_from([5, 10, 15, 20, 30, 45, 60])) * MINUTE}
    return tz, merge_spans(spans), service


def fits(start: int, spans, service) -> bool:
    return any(lo <= start - service["buffer_before"] and start + service["duration"] + service["buffer_after"] <= hi
               for lo, hi in spans)


@PROPERTY_SETTINGS
@given(free_time())
def test_no_free_gap_long_enough_for_the_service_is_left_without_a_start(case):
    tz, spans, service = case
    starts = aligned_start_micros(spans, **service, tz=tz)
    assert starts == sorted(set(starts))
    assert all(fits(start, spans, service) for start in starts)
    for lo, hi in spans:
        first = lo + service["buffer_before"]
        if first + service["duration"] + service["buffer_after"] <= hi:
            assert first in starts  # the opening, the end of a booking or a break: offered at once
            # Every moment the service fits has a start at most one step before it, in the same free span.
            for moment in range(first, hi - service["duration"] - service["buffer_after"] + 1, MINUTE):
                earlier = starts[bisect_right(starts, moment) - 1]
                assert first <= earlier <= moment < earlier + service["step"], from_micros(moment)


@PROPERTY_SETTINGS
@given(free_time(), st.integers(0, 40 * 60), st.integers(0, 60 * 60))
def test_starts_are_the_stepping_references_and_limits_only_remove_starts(case, notice, horizon):
    tz, spans, service = case
    origin = spans[0][0] if spans else 0
    not_before, not_after = origin + notice * MINUTE, origin + horizon * MINUTE
    limited = aligned_start_micros(spans, **service, tz=tz, not_before=not_before, not_after=not_after)
    unlimited = aligned_start_micros(spans, **service, tz=tz)
    assert limited == [start for start in unlimited if not_before <= start <= not_after]
    reference = aligned_starts([Interval(from_micros(lo), from_micros(hi)) for lo, hi in spans],
                               duration=timedelta(microseconds=service["duration"]),
                               buffer_before=timedelta(microseconds=service["buffer_before"]),
                               buffer_after=timedelta(microseconds=service["buffer_after"]),
                               step=timedelta(microseconds=service["step"]), tz=tz)
    assert [from_micros(start) for start in unlimited] == reference


def local_starts(service, day: dt.date) -> list[str]:
    return [t.astimezone(HEL).strftime("%H:%M") for t in free_times(free_slots(service, day, day, now=NOW))]


def test_after_a_45_minute_booking_the_next_start_is_its_end(world):
    from tilli.test import make_bookable

    _, staff, service = make_bookable(world.org, world.practitioner, duration=30, granularity=30)
    long_one = make_bookable(world.org, world.practitioner, duration=45)[2]
    appointment_book(service=long_one, start=dt.datetime.combine(TUESDAY, dt.time(10), HEL), client=None,
                     channel=Channel.PHONE, actor=Actor.system("test"), staff=staff, now=NOW)

    starts = local_starts(service, TUESDAY)

    assert starts[:4] == ["09:00", "09:30", "10:45", "11:15"]
    appointment_book(service=service, start=dt.datetime.combine(TUESDAY, dt.time(10, 45), HEL), client=None,
                     channel=Channel.PHONE, actor=Actor.system("test"), staff=staff, now=NOW)
    service.start_alignment = StartAlignment.CLOCK  # the owner may keep round times
    service.save()
    assert local_starts(service, TUESDAY)[:4] == ["09:00", "09:30", "11:30", "12:00"]


def test_staff_may_book_any_free_minute_but_online_gets_the_offered_starts(world):
    """Staff pick the time in the calendar: a free 10:15 is theirs to give even when the starts offered online
    follow the free time (10:10 after a booking with clean-up). Online keeps to the offered starts."""
    from booking.services import SlotTaken
    from tilli.test import make_bookable, make_client

    _, staff, service = make_bookable(world.org, world.practitioner, duration=60, buffer_after=10)
    client = make_client(world.org)
    appointment_book(service=service, start=dt.datetime.combine(TUESDAY, dt.time(9), HEL), client=client,
                     channel=Channel.PHONE, actor=Actor.system("test"), staff=staff, now=NOW)
    off_grid = dt.datetime.combine(TUESDAY, dt.time(10, 15), HEL)
    assert "10:15" not in local_starts(service, TUESDAY)

    try:
        appointment_book(service=service, start=off_grid, client=client, channel=Channel.ONLINE,
                         actor=Actor.system("booking page"), staff=staff, now=NOW)
    except SlotTaken:
        pass
    else:
        raise AssertionError("an online booking took a start that was not offered")
    booked = appointment_book(service=service, start=off_grid, client=client, channel=Channel.PHONE,
                              actor=Actor.system("test"), staff=staff, now=NOW)
    assert booked.start == off_grid
    overlapping = dt.datetime.combine(TUESDAY, dt.time(11, 20), HEL)  # inside 10:15's clean-up
    try:
        appointment_book(service=service, start=overlapping, client=client, channel=Channel.PHONE,
                         actor=Actor.system("test"), staff=staff, now=NOW)
    except SlotTaken:
        pass
    else:
        raise AssertionError("a staff booking overlapped the clean-up of another")
