"""The dashboard's business figures per role: the owner sees everyone today and this week with takings and
the data requests by deadline; reception sees everyone today; a practitioner sees only their own figures;
the accountant sees none of them. The numbers are the report's, computed from known appointments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from booking.models import HolidayOpening
from booking.services import appointment_book, appointment_transition
from tilli.test import legacy_payment as payment_record
from tilli.test import make_bookable, make_client
from web.tests.privacy_helpers import SYSTEM, english, make_request, url

HEL = ZoneInfo("Europe/Helsinki")


@pytest.fixture
def busy_day(world):
    """Today the practitioner (8-20) has two one-hour appointments and a no-show; the owner (8-20) one of 30 min."""
    today = dt.datetime.now(HEL).date()
    HolidayOpening.objects.get_or_create(organization=world.org, date=today)  # a holiday must not empty the test
    _, practitioner, long_service = make_bookable(world.org, world.practitioner, duration=60, hours=((8, 20),))
    _, owner, short_service = make_bookable(world.org, world.owner, duration=30, hours=((8, 20),))
    client = make_client(world.org)

    def book(service, staff, hour):
        return appointment_book(service=service, staff=staff, client=client, channel="phone", actor=SYSTEM,
                                start=dt.datetime.combine(today, dt.time(hour), HEL))

    book(long_service, practitioner, 9), book(long_service, practitioner, 11)
    appointment_transition(appointment=book(long_service, practitioner, 14), to_state="no_show", actor=SYSTEM)
    book(short_service, owner, 10)
    payment_record(organization=world.org, client=client, amount=Decimal("49.00"), method="card", actor=SYSTEM)
    make_request(world, client)
    return practitioner, owner


def _dashboard(client_for, member, world) -> str:
    response = english(client_for(member)).get(url(world, "web:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def _figure(page: str, period: str, label: str) -> str:
    section = page[page.index(f'id="period-{period}"'):]
    start = section.index(f"<dt>{label}</dt><dd>") + len(f"<dt>{label}</dt><dd>")
    return section[start:section.index("</dd>", start)]


def test_the_owner_sees_everyone_today_and_this_week_with_takings_and_requests(world, client_for, busy_day):
    practitioner, owner = busy_day
    page = _dashboard(client_for, world.owner, world)
    assert 'id="period-today"' in page and 'id="period-week"' in page
    assert practitioner.name in page and owner.name in page
    assert _figure(page, "today", "Appointments") == "3"
    assert _figure(page, "today", "Utilisation") == "10 %"  # 150 min of 2 x 720 min
    assert _figure(page, "today", "No-shows") == "1"
    assert _figure(page, "today", "Takings") == '<span class="amount">49.00 EUR</span>'
    requests = page[page.index('id="due-requests-heading"'):]
    assert "Access to the data (Art. 15)" in requests and "days left" in requests


def test_reception_sees_everyones_work_today_only(world, client_for, busy_day):
    practitioner, owner = busy_day
    page = _dashboard(client_for, world.reception, world)
    assert 'id="period-today"' in page and 'id="period-week"' not in page
    assert practitioner.name in page and owner.name in page
    assert _figure(page, "today", "Appointments") == "3"
    assert "Takings" in page
    assert "Data requests by deadline" not in page


def test_a_practitioner_sees_only_their_own_figures(world, client_for, busy_day):
    practitioner, owner = busy_day
    page = _dashboard(client_for, world.practitioner, world)
    assert 'id="period-today"' in page and 'id="period-week"' in page
    assert practitioner.name in page and owner.name not in page
    assert _figure(page, "today", "Appointments") == "2"
    assert _figure(page, "today", "Utilisation") == "17 %"  # 120 of 720 min
    assert "Takings" not in page and "Data requests by deadline" not in page


def test_the_accountant_and_an_unbookable_practitioner_see_no_figures(world, client_for, busy_day):
    from tilli.test import add_member

    assert 'id="period-today"' not in _dashboard(client_for, world.accountant, world)
    assert 'id="period-today"' not in _dashboard(client_for, add_member(world.org, "practitioner"), world)


def test_another_organizations_staff_never_appear(world, client_for, busy_day):
    practitioner, _owner = busy_day
    from django.urls import reverse

    response = client_for(world.outsider).get(reverse("web:dashboard", kwargs={"org_slug": world.other_org.slug}))
    assert response.status_code == 200 and practitioner.name not in response.content.decode()


def test_without_bookable_staff_the_figures_are_empty_not_broken(world, client_for):
    page = _dashboard(client_for, world.reception, world)
    assert _figure(page, "today", "Appointments") == "0" and _figure(page, "today", "Utilisation") == "—"
    assert "No bookable staff yet." in page
