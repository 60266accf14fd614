"""Fifty people trying for the same time at the same moment: one gets it, 49 are told it was taken."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from booking.models import Appointment, Channel, Occupancy
from booking.services import SlotTaken, appointment_book
from kernel.audit import Actor, verify
from tenancy.models import Membership
from tilli.test import make_bookable, make_organization

ATTEMPTS = 50
START = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_attempts_at_one_slot_give_exactly_one_appointment():
    org = make_organization()
    owner = Membership.objects.get(organization=org)
    _, staff, service = make_bookable(org, owner, duration=60)
    barrier = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        try:
            barrier.wait()
            appointment_book(service=service, start=START + dt.timedelta(minutes=15 * (n % 3)), client=None,
                             channel=Channel.ONLINE, actor=Actor.system(f"t{n}"), now=NOW)
            result = "booked"
        except SlotTaken:
            result = "taken"
        except Exception as error:  # reported in the assertion below
            result = f"error: {type(error).__name__}: {error}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(outcomes)) == ["booked", "taken"], outcomes
    assert outcomes.count("booked") == 1 and outcomes.count("taken") == ATTEMPTS - 1
    assert Appointment.objects.filter(organization=org).count() == 1
    spans = list(Occupancy.objects.filter(resource=staff, active=True).values_list("start", "end"))
    assert len(spans) == 1
    assert verify(org).ok
