"""Hours that end at midnight or the next morning, and slots that run past midnight (issue 12, items 23-24).

A day's free starts must not depend on the range asked for: the booking page asks for a week, the API for
any days, and ``appointment_book`` for the day and its neighbours. Tuesday 8 December 2026 and its
neighbours are ordinary working days in Finland (the 6th is a holiday, so Monday is not used as "before").
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.test import Client as HttpClient

from booking.models import Channel
from booking.selectors import free_slots, free_times, public_holidays
from booking.services import appointment_book
from kernel.audit import Actor
from tilli.test import make_bookable

HEL = ZoneInfo("Europe/Helsinki")
SYSTEM = Actor.system("test")
TUESDAY, WEDNESDAY = dt.date(2026, 12, 8), dt.date(2026, 12, 9)
NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def local_starts(service, first: dt.date, last: dt.date, day: dt.date) -> list[str]:
    return [t.astimezone(HEL).strftime("%H:%M") for t in free_times(free_slots(service, first, last, now=NOW))
            if t.astimezone(HEL).date() == day]


def every(first: str, last: str, minutes: int = 15) -> list[str]:
    moment, end = dt.datetime.strptime(first, "%H:%M"), dt.datetime.strptime(last, "%H:%M")
    found = []
    while moment <= end:
        found.append(moment.strftime("%H:%M"))
        moment += dt.timedelta(minutes=minutes)
    return found


def test_hours_may_end_at_midnight_and_its_last_hour_is_offered(world):
    _, _, service = make_bookable(world.org, world.practitioner, duration=60, hours=((16, 0),))
    assert local_starts(service, TUESDAY, TUESDAY, TUESDAY) == every("16:00", "23:00")


def test_a_slot_on_the_last_day_runs_past_midnight_into_the_next_days_hours(world):
    _, staff, service = make_bookable(world.org, world.practitioner, duration=60, hours=((22, 0), (0, 2)))

    alone = local_starts(service, TUESDAY, TUESDAY, TUESDAY)

    assert alone == every("00:00", "01:00") + every("22:00", "23:45")
    assert alone == local_starts(service, TUESDAY, WEDNESDAY, TUESDAY)  # the same whatever the range
    appointment = appointment_book(service=service, start=dt.datetime.combine(TUESDAY, dt.time(23, 30), HEL),
                                   client=None, channel=Channel.PHONE, actor=SYSTEM, staff=staff, now=NOW)
    assert appointment.end.astimezone(HEL) == dt.datetime.combine(WEDNESDAY, dt.time(0, 30), HEL)


def test_a_night_shift_of_the_day_before_is_offered_on_the_first_day(world):
    _, _, service = make_bookable(world.org, world.practitioner, duration=60, hours=((22, 6),))

    wednesday = local_starts(service, WEDNESDAY, WEDNESDAY, WEDNESDAY)

    assert wednesday == every("00:00", "05:00") + every("22:00", "23:45")
    assert wednesday == local_starts(service, TUESDAY, WEDNESDAY, WEDNESDAY)


def working_day(organization, day: dt.date) -> dt.date:
    """The first day from ``day`` on that is no public holiday, nor is the day after it."""
    def holiday(d: dt.date) -> bool:
        return d in public_holidays(organization.country, d.year)

    while holiday(day) or holiday(day + dt.timedelta(days=1)):
        day += dt.timedelta(days=1)
    return day


@pytest.mark.parametrize("surface", ["api", "page"])
def test_the_public_api_and_booking_page_offer_the_last_days_slots_past_midnight(world, surface):
    cache.clear()
    _, staff, service = make_bookable(world.org, world.practitioner, duration=60, hours=((22, 0), (0, 2)),
                                      max_advance_days=3650)
    day = working_day(world.org, dt.date.today() + dt.timedelta(days=30))
    late = dt.datetime.combine(day, dt.time(23, 30), HEL)
    if surface == "api":
        slots = HttpClient().get(f"/api/v1/public/{world.org.slug}/availability?service={service.pk}"
                                 f"&start={day}&end={day}").json()
        assert late in {dt.datetime.fromisoformat(slot["start"]) for slot in slots}
    else:
        # The week shown ends on the day: its last evening's slots run into the next (unshown) day.
        week = day - dt.timedelta(days=6)
        html = HttpClient().get(f"/b/{world.org.slug}/times/?service={service.pk}&staff={staff.pk}"
                                f"&week={week}&day={day}", headers={"Accept-Language": "en"}).content.decode()
        assert late.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") in html
