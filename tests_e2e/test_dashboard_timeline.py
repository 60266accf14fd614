"""The dashboard's business figures, the client's timeline and the portal's coming appointments in Chromium
at phone, tablet and desktop widths: no sideways scrolling, every field labelled, "book again" opens the
booking form with the service, staff member and client chosen, and the keyboard reaches it."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from booking.models import HolidayOpening
from booking.services import appointment_book, appointment_transition
from clients.portal import SESSION_KEY
from clients.services import visit_create
from kernel.audit import Actor
from tests_e2e.conftest import DESKTOP, PHONE, SCREENSHOTS, horizontal_overflow, serious_axe_violations, shoot, sign_in
from tilli.test import legacy_payment as payment_record
from tilli.test import make_bookable, make_client
from web.tests.privacy_helpers import make_request

pytestmark = pytest.mark.e2e
SYSTEM = Actor.system("e2e")
HEL = ZoneInfo("Europe/Helsinki")
TABLET = {"width": 1024, "height": 768}


@pytest.fixture
def salon(e2e_world):
    """Two bookable staff with a week of appointments around today; Anna's history and a coming booking."""
    world = e2e_world
    _, helmi, facial = make_bookable(world.org, world.practitioner, duration=60, hours=((9, 12), (13, 17)))
    facial.name, facial.price = "Facial", Decimal("79.00")
    facial.save()
    _, kaisa, cut = make_bookable(world.org, world.owner, duration=45, hours=((10, 18),))
    cut.name, cut.price = "Haircut", Decimal("49.00")
    cut.save()
    anna = make_client(world.org, first_name="Anna", last_name="Virtanen", email="anna@example.test",
                       preferred_language="en")
    others = [make_client(world.org, first_name=f, last_name="Laine") for f in ("Sanna", "Jukka", "Tiina")]
    today = dt.datetime.now(HEL).date()
    for offset in range(-3, 4):
        day = today + dt.timedelta(days=offset)
        HolidayOpening.objects.get_or_create(organization=world.org, date=day)
        for n, (service, staff, hour) in enumerate(((facial, helmi, 9), (facial, helmi, 13), (cut, kaisa, 10),
                                                     (cut, kaisa, 15))):
            start = dt.datetime.combine(day, dt.time(hour), HEL)
            appointment = appointment_book(service=service, staff=staff, client=[*others, anna][(n + offset) % 4],
                                           channel="phone", actor=SYSTEM, start=start)
            if appointment.end < timezone.now():
                state = "no_show" if (n + offset) % 5 == 0 else "completed"
                appointment_transition(appointment=appointment, to_state=state, actor=SYSTEM)
                if state == "completed":
                    payment_record(organization=world.org, client=appointment.client, amount=service.price,
                                   method="card", actor=SYSTEM, paid_at=appointment.end, appointment=appointment,
                                   description=service.name)
    visit_create(client=anna, actor=SYSTEM, visited_at=timezone.now() - dt.timedelta(days=10), services="Manicure",
                 practitioner=world.practitioner)
    make_request(world, anna)
    return anna, facial, helmi


def shoot_three(page: Page, name: str) -> list[str]:
    """shoot() at phone and desktop, plus a tablet screenshot; copies go to /tmp for a look."""
    problems = shoot(page, name)
    page.set_viewport_size(TABLET)
    page.screenshot(path=SCREENSHOTS / f"{name}-tablet.png", full_page=True)
    if horizontal_overflow(page) > 0:
        problems.append(f"{name} at tablet width scrolls sideways")
    page.set_viewport_size(DESKTOP)
    for size in ("phone", "tablet", "desktop"):
        shutil.copy(SCREENSHOTS / f"{name}-{size}.png", f"/tmp/{name}-{size}.png")
    return problems


def test_owner_dashboard_and_client_timeline_book_again(page: Page, live_server, e2e_world, salon, english,
                                                        csp_violations):
    anna, facial, helmi = salon
    base, org = live_server.url, e2e_world.org.slug
    sign_in(page, base, e2e_world.owner.user.email, e2e_world.owner_totp)
    page.goto(f"{base}/o/{org}/")
    today = page.locator("#period-today").locator("xpath=ancestor::section[1]")
    expect(today.get_by_role("heading", name="Today")).to_be_visible()
    expect(today.get_by_role("row", name=helmi.name)).to_be_visible()
    expect(page.get_by_role("heading", name="This week")).to_be_visible()
    expect(page.get_by_role("heading", name="Data requests by deadline")).to_be_visible()
    problems = shoot_three(page, "60-dashboard-owner")
    problems += [f"dashboard: {v}" for v in serious_axe_violations(page)]

    page.goto(f"{base}/o/{org}/clients/{anna.pk}/")
    timeline = page.locator("#timeline")
    expect(timeline.get_by_role("heading", name="Upcoming")).to_be_visible()
    expect(timeline.get_by_text("Manicure")).to_be_visible()
    problems += shoot_three(page, "61-client-timeline")
    problems += [f"client page: {v}" for v in serious_axe_violations(page)]
    for label, size in (("phone", PHONE), ("tablet", TABLET)):  # close-ups, to look at
        page.set_viewport_size(size)
        timeline.screenshot(path=SCREENSHOTS / f"61-client-timeline-close-{label}.png")
    page.set_viewport_size(DESKTOP)
    again = timeline.get_by_role("link", name=re.compile(f"^Book again.*Facial, {helmi.name}")).first
    again.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Service")).to_have_value(str(facial.pk))
    expect(page.get_by_text("Anna Virtanen").first).to_be_visible()
    problems += shoot_three(page, "62-book-again-form")
    assert problems == [] and csp_violations == []


def test_reception_and_practitioner_dashboards(page: Page, live_server, e2e_world, salon, english, csp_violations):
    _anna, _facial, _helmi = salon
    base, org = live_server.url, e2e_world.org.slug
    sign_in(page, base, e2e_world.reception.user.email)
    page.goto(f"{base}/o/{org}/")
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    expect(page.get_by_role("heading", name="This week")).to_have_count(0)
    problems = shoot_three(page, "63-dashboard-reception")
    problems += [f"reception dashboard: {v}" for v in serious_axe_violations(page)]
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    sign_in(page, base, e2e_world.practitioner.user.email)
    page.goto(f"{base}/o/{org}/")
    expect(page.get_by_role("heading", name="This week")).to_be_visible()
    expect(page.get_by_text("your own appointments").first).to_be_visible()
    problems += shoot_three(page, "64-dashboard-practitioner")
    problems += [f"practitioner dashboard: {v}" for v in serious_axe_violations(page)]
    assert problems == [] and csp_violations == []


def test_the_portal_shows_coming_appointments_with_move_or_cancel(page: Page, live_server, e2e_world, salon,
                                                                  csp_violations):
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    anna, *_ = salon
    session = SessionStore()
    session[SESSION_KEY] = {"organization": anna.organization_id, "client": anna.pk,
                            "at": int(timezone.now().timestamp())}
    session.save()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key,
                               "url": live_server.url},
                              {"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/p/{e2e_world.org.slug}/me/")
    section = page.locator("section.upcoming")
    expect(section.get_by_role("heading", name="Your coming appointments")).to_be_visible()
    problems = shoot_three(page, "65-portal-coming")
    problems += [f"portal: {v}" for v in serious_axe_violations(page)]
    section.get_by_role("link", name=re.compile("^Move or cancel")).last.click()  # the latest: before its deadline
    expect(page.get_by_role("link", name="Cancel the booking…")).to_be_visible()
    problems += shoot_three(page, "66-portal-manage")
    problems += [f"portal manage: {v}" for v in serious_axe_violations(page)]
    assert problems == [] and csp_violations == []
