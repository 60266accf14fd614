"""The resource calendar of the Finnish demo salon, in Finnish, at desktop, tablet and phone sizes.

Screenshots go to $TILLI_SHOTS (default var/screenshots/calendar) for a person to look at; the test
checks what a look would catch first: the page is Finnish, nothing scrolls sideways, no block is
empty, the phone shows one staff column with a quick switch to the others."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tenancy.demo import DEMO_PASSWORD, seed
from tests_e2e.conftest import DESKTOP, PHONE, horizontal_overflow

pytestmark = pytest.mark.e2e
TABLET = {"width": 1024, "height": 768}
SIZES = (("desktop", DESKTOP), ("tablet", TABLET), ("phone", PHONE))


def shots_dir() -> Path:
    path = Path(os.environ.get("TILLI_SHOTS") or Path(settings.BASE_DIR) / "var" / "screenshots" / "calendar")
    path.mkdir(parents=True, exist_ok=True)
    return path


def sign_in_demo(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_the_demo_salons_calendar_in_finnish_at_three_sizes(page: Page, live_server, transactional_db,
                                                            csp_violations):
    seed(with_tokens=False)
    shots, base = shots_dir(), live_server.url
    sign_in_demo(page, base, "vastaanotto@kaisla.example")  # reception: sees every column, may book
    day = dt.datetime.now(ZoneInfo("Europe/Helsinki")).date() + dt.timedelta(days=1)
    while day.weekday() >= 5:  # the salon's busy weekday, within the demo's two weeks
        day += dt.timedelta(days=1)
    page.goto(f"{base}/o/kaisla/calendar/?day={day}")
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    expect(page.locator(".ec-event.cal-appt").first).to_be_visible()
    problems = []
    for name, size in SIZES:
        page.set_viewport_size(size)
        page.reload()
        expect(page.locator(".ec-event.cal-appt").first).to_be_visible()
        page.screenshot(path=shots / f"day-{name}.png", full_page=True)
        page.screenshot(path=shots / f"day-{name}-screen.png")  # what one sees on opening: scrolled to now
        if horizontal_overflow(page) > 0:
            problems.append(f"day at {name} width scrolls sideways")
        empty = page.evaluate("""() => [...document.querySelectorAll('.ec-event.cal-appt')]
            .filter(el => !el.innerText.trim()).length""")
        if empty:
            problems.append(f"day at {name}: {empty} blocks without text")
    expect(page.locator(".ec-col-head")).to_have_count(1)  # the phone: one column, the staff menu switches
    for view in ("week", "month"):
        for name, size in SIZES:
            page.set_viewport_size(size)
            page.locator(f"[data-view={view}]").click()
            if view == "week":
                expect(page.locator(".ec-col-head")).to_have_count(7)
            else:
                expect(page.locator(".cal-month-table")).to_be_visible()
            page.screenshot(path=shots / f"{view}-{name}.png", full_page=True)
            if horizontal_overflow(page) > 0:
                problems.append(f"{view} at {name} width scrolls sideways")
    assert problems == [] and csp_violations == []
