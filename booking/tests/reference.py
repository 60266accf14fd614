"""Slow, obvious references the engine's fast paths are held to in tests."""

from __future__ import annotations

import datetime as dt
from datetime import tzinfo

from booking.tests.oracle import Interval, merge


def local_midnights(lo: dt.datetime, hi: dt.datetime, tz: tzinfo) -> list[dt.datetime]:
    """Every instant in ``(lo, hi]`` at which the local date changes, found by stepping through local days."""
    found = []
    day = lo.astimezone(tz).date()
    while True:
        day += dt.timedelta(days=1)
        midnight = dt.datetime.combine(day, dt.time(0), tz).astimezone(dt.UTC)
        if midnight > hi:
            return found
        found.append(midnight)


def aligned_starts(free: list[Interval], *, duration: dt.timedelta, buffer_before: dt.timedelta = dt.timedelta(0),
                   buffer_after: dt.timedelta = dt.timedelta(0), step: dt.timedelta, tz: tzinfo,
                   not_before: dt.datetime | None = None, not_after: dt.datetime | None = None) -> list[dt.datetime]:
    """Starts that follow the free time: from each free span's first fitting moment, and again from each
    local midnight inside it, every ``step`` while the booking fits; the limits only remove starts."""
    starts = []
    for interval in merge(free):
        first, last = interval.start + buffer_before, interval.end - duration - buffer_after
        if first > last:
            continue
        anchors = [first, *local_midnights(first, last, tz)]
        for anchor, following in zip(anchors, [*anchors[1:], None], strict=True):
            moment = anchor
            while moment <= last and (following is None or moment < following):
                if (not_before is None or moment >= not_before) and (not_after is None or moment <= not_after):
                    starts.append(moment)
                moment += step
    return starts
