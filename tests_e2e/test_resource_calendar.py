"""The resource calendar in Chromium: staff columns, drag to move, drag the edge to resize, click to book,
a refused move snapping back with its reason, another browser's change appearing, three screen sizes."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from booking.models import Appointment, Channel
from booking.services import appointment_book, appointment_move
from kernel.audit import Actor
from tests_e2e.conftest import serious_axe_violations, sign_in
from tilli.test import make_bookable, make_client

pytestmark = pytest.mark.e2e

HELSINKI = ZoneInfo("Europe/Helsinki")
SHOTS = Path("/tmp/tilli-calendar-shots")
TABLET = {"width": 1024, "height": 768}


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), HELSINKI)


def today() -> dt.date:
    """The day the tests look at: a fixed Wednesday that is no holiday (a real today could be one)."""
    return dt.date(2030, 6, 12)


@pytest.fixture(params=["Europe/Helsinki", "America/New_York"])
def browser_context_args(browser_context_args, request):
    """The browser in the location's time zone, and in one far from it: the grid shows the location's clock."""
    return {**browser_context_args, "timezone_id": request.param}


@pytest.fixture
def grid_world(e2e_world):
    """Two staff at one location working 8-18 every day, one adjustable service, two appointments today."""
    world = e2e_world
    _, henri, service = make_bookable(world.org, world.practitioner, duration=60, hours=((8, 18),),
                                      length_adjustable=True, colour="violet")
    service.name = "Hieronta"
    service.save()
    _, elina, _ = make_bookable(world.org, world.owner, hours=((8, 18),))
    service.staff.add(elina)
    anna = make_client(world.org, first_name="Anna", last_name="Virtanen")
    system = Actor.system("test")
    day = today()
    first = appointment_book(service=service, start=local(day, 9), client=anna, channel=Channel.PHONE,
                             actor=system, staff=henri)
    second = appointment_book(service=service, start=local(day, 11), client=None, channel=Channel.PHONE,
                              actor=system, staff=henri)
    return world, henri, elina, service, first, second


def open_calendar(page: Page, live_server, world) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    sign_in(page, live_server.url, world.reception.user.email)
    page.goto(f"{live_server.url}/o/{world.org.slug}/calendar/?day={today()}")
    expect(page.locator(".ec-event.cal-appt").first).to_be_visible()


def column(page: Page, resource):
    """A staff member's column head (its visible name)."""
    return page.locator(".ec-col-head", has_text=resource.name)


def block(page: Page, appointment: Appointment):
    return page.locator(f'[data-appointment="{appointment.pk}"]')


def slot_height(page: Page) -> float:
    """Pixels of one 30-minute row of the grid (static/calendar.js sets slotHeight)."""
    return 32


def drag(page: Page, source, dx: float, dy: float, *, from_bottom: bool = False) -> None:
    expect(source).to_be_visible()
    box = source.bounding_box()
    for _ in range(50):  # a poll or a reload may be redrawing the block: wait until it is laid out again
        if box:
            break
        page.wait_for_timeout(100)
        box = source.bounding_box()
    x = box["x"] + box["width"] / 2
    y = box["y"] + (box["height"] - 3 if from_bottom else 12)
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + dx * step / 10, y + dy * step / 10)
    page.mouse.up()


def test_drag_moves_resize_changes_length_and_a_conflict_snaps_back(page: Page, live_server, grid_world,
                                                                     csp_violations):
    world, henri, elina, _service, first, second = grid_world
    open_calendar(page, live_server, world)
    expect(column(page, henri)).to_be_visible()
    expect(column(page, elina)).to_be_visible()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / "day-desktop.png", full_page=True)
    expect(block(page, first)).to_contain_text("Anna Virtanen")
    expect(block(page, first)).to_contain_text("Hieronta")
    row = slot_height(page)

    # Drag 09:00 down by one hour: 10:00.
    drag(page, block(page, first), 0, 2 * row)
    expect(page.locator("#cal-status")).to_have_text("Appointment moved.")
    first.refresh_from_db()
    assert first.start == local(today(), 10)

    # Drag its lower edge down by half an hour: 10:00-11:30 would run into 11:00-12:00: refused, snaps back.
    drag(page, block(page, first), 0, row, from_bottom=True)
    expect(page.locator("#cal-alert")).to_contain_text("This time was just taken")
    first.refresh_from_db()
    assert first.end == local(today(), 11)
    expect(block(page, first)).to_contain_text("10:00–11:00")

    # Move the other one away, then lengthen this one to 11:30.
    appointment_move(appointment=second, start=local(today(), 14), actor=Actor.system("test"))
    page.reload()
    expect(block(page, first)).to_be_visible()
    drag(page, block(page, first), 0, row, from_bottom=True)
    expect(page.locator("#cal-status")).to_have_text("Appointment length changed.")
    first.refresh_from_db()
    assert first.end == local(today(), 11, 30)

    # Drag it to the next staff member's column: Elina (once the grid has redrawn the lengthened block).
    expect(block(page, first)).to_contain_text("10:00–11:30")
    expect(column(page, elina)).to_be_visible()
    here = block(page, first).bounding_box()
    there = column(page, elina).bounding_box()
    drag(page, block(page, first), there["x"] + there["width"] / 2 - (here["x"] + here["width"] / 2), 0)
    expect(page.locator("#cal-status")).to_have_text("Appointment moved.")
    first.refresh_from_db()
    assert first.staff_id == elina.pk and first.start == local(today(), 10)
    assert csp_violations == []


def test_a_move_onto_a_taken_time_snaps_back_with_the_reason(page: Page, live_server, grid_world):
    world, _henri, _elina, _service, first, _second = grid_world
    open_calendar(page, live_server, world)
    def place() -> tuple[float, float]:
        """The block's position in the grid (the alert above the grid shifts the page)."""
        box, grid = block(page, first).bounding_box(), page.locator(".ec-body").bounding_box()
        return box["x"] - grid["x"], box["y"] - grid["y"]

    before = place()
    drag(page, block(page, first), 0, 4 * slot_height(page))  # 09:00 onto 11:00, which is taken
    expect(page.locator("#cal-alert")).to_contain_text("This time was just taken")
    expect(block(page, first)).to_contain_text("09:00–10:00")
    after = place()
    assert abs(after[0] - before[0]) < 2 and abs(after[1] - before[1]) < 2  # back where it was
    first.refresh_from_db()
    assert first.start == local(today(), 9)


def test_click_an_empty_time_to_book_there(page: Page, live_server, grid_world, csp_violations):
    world, _henri, elina, _service, _first, _second = grid_world
    open_calendar(page, live_server, world)
    page.evaluate("window.scrollTo(0, document.querySelector('.ec-body').getBoundingClientRect().top + 250)")
    head = column(page, elina).bounding_box()
    grid_top = page.locator(".ec-body").bounding_box()["y"]
    first_hour = int(page.evaluate(
        "JSON.parse(document.getElementById('calendar-config').textContent).slotMinTime").split(":")[0])
    # 14:00 is two rows of 30 minutes per hour below the grid's first hour, plus a few pixels into the row.
    page.mouse.click(head["x"] + head["width"] / 2, grid_top + 2 * (14 - first_hour) * slot_height(page) + 6)
    expect(page.get_by_role("heading", level=1)).to_have_text("Book an appointment")
    expect(page.get_by_label("Staff member", exact=True)).to_have_value(str(elina.pk))
    expect(page.get_by_label("14:00")).to_be_checked()
    page.get_by_label("Find a client by name").fill("virt")
    page.get_by_label(re.compile("Anna Virtanen")).check()
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_text("Appointment booked.")).to_be_visible()
    booked = Appointment.objects.get(staff=elina)
    assert booked.start == local(today(), 14) and booked.client.first_name == "Anna"
    expect(block(page, booked)).to_contain_text("14:00–15:00")
    assert csp_violations == []


def test_a_change_in_one_browser_appears_in_another(page: Page, browser: Browser, live_server, grid_world):
    world, _henri, _elina, _service, first, _second = grid_world
    open_calendar(page, live_server, world)
    other = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    try:
        second_page = other.new_page()
        second_page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        sign_in(second_page, live_server.url, world.practitioner.user.email)
        second_page.goto(f"{live_server.url}/o/{world.org.slug}/calendar/?day={today()}")
        expect(block(second_page, first)).to_contain_text("09:00–10:00")
        drag(page, block(page, first), 0, 6 * slot_height(page))  # three hours later: 12:00
        expect(page.locator("#cal-status")).to_have_text("Appointment moved.")
        first.refresh_from_db()
        moved_to = first.start.astimezone(HELSINKI).strftime("%H:%M")
        expect(block(second_page, first)).to_contain_text(f"{moved_to}–", timeout=10_000)  # no reload
        assert moved_to != "09:00"
    finally:
        other.close()


def test_keyboard_moves_a_focused_appointment_and_enter_opens_it(page: Page, live_server, grid_world):
    world, _henri, _elina, _service, first, _second = grid_world
    open_calendar(page, live_server, world)
    block(page, first).focus()
    page.keyboard.press("Alt+ArrowDown")
    expect(page.locator("#cal-status")).to_have_text("Appointment moved.")
    first.refresh_from_db()
    assert first.start == local(today(), 9, 15)
    expect(block(page, first)).to_be_focused()
    expect(block(page, first)).to_have_accessible_name(re.compile("09:15–10:15.*Hieronta.*Anna Virtanen"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hieronta")


def test_the_keyboard_books_at_a_chosen_time(page: Page, live_server, grid_world):
    """No pointer: the "book at" form reaches any empty time, then the booking form takes the rest."""
    world, _henri, elina, _service, _first, _second = grid_world
    open_calendar(page, live_server, world)
    page.get_by_label("Book at", exact=True).focus()
    page.keyboard.type("1430")
    expect(page.get_by_label("Book at", exact=True)).to_have_value("14:30")
    for _ in range(5):  # past the time's hour and minute parts to the staff menu
        if page.evaluate("document.activeElement.id") == "cal-book-staff":
            break
        page.keyboard.press("Tab")
    expect(page.get_by_label("Book with")).to_be_focused()
    page.get_by_label("Book with").select_option(str(elina.pk))
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Book…")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Book an appointment")
    expect(page.get_by_label("Staff member", exact=True)).to_have_value(str(elina.pk))
    expect(page.get_by_label("14:30")).to_be_checked()


def test_phone_tablet_and_desktop_layouts(page: Page, live_server, grid_world, csp_violations):
    world, henri, elina, _service, first, _second = grid_world
    SHOTS.mkdir(exist_ok=True)
    open_calendar(page, live_server, world)
    for name, size in (("desktop", {"width": 1280, "height": 800}), ("tablet", TABLET),
                       ("phone", {"width": 390, "height": 844})):
        page.set_viewport_size(size)
        page.reload()
        expect(page.locator(".ec-event.cal-appt").first.or_(page.locator(".ec-col-head"))).not_to_have_count(0)
        page.screenshot(path=SHOTS / f"day-{name}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, name
    # The phone shows one staff column at a time, switched with the staff menu.
    expect(page.locator(".ec-col-head")).to_have_count(1)
    page.get_by_label("Staff member", exact=True).select_option(str(henri.pk))
    expect(column(page, henri)).to_be_visible()
    expect(block(page, first)).to_be_visible()
    page.get_by_label("Staff member", exact=True).select_option(str(elina.pk))
    expect(column(page, elina)).to_be_visible()
    expect(block(page, first)).to_have_count(0)
    page.get_by_role("button", name="Next staff member").click()  # the quick switch, wrapping round
    expect(page.locator(".ec-col-head")).to_have_count(1)
    expect(page.locator(".ec-col-head")).not_to_have_text(elina.name)
    page.get_by_role("button", name="Previous staff member").click()
    expect(column(page, elina)).to_be_visible()
    page.get_by_role("button", name="Week").click()
    expect(page.locator(".ec-col-head")).to_have_count(7)
    page.screenshot(path=SHOTS / "week-phone.png", full_page=True)
    page.set_viewport_size(TABLET)
    page.get_by_role("button", name="Month").click()
    expect(page.locator(".cal-month-table")).to_be_visible()
    page.screenshot(path=SHOTS / "month-tablet.png", full_page=True)
    assert csp_violations == []


def test_no_serious_accessibility_violations(page: Page, live_server, grid_world):
    world, _henri, _elina, _service, first, _second = grid_world
    open_calendar(page, live_server, world)
    problems = [f"day: {v}" for v in serious_axe_violations(page)]
    page.get_by_role("button", name="Week").click()
    expect(page.locator(".ec-col-head")).to_have_count(7)
    problems += [f"week: {v}" for v in serious_axe_violations(page)]
    page.get_by_role("button", name="Month").click()
    expect(page.locator(".cal-month-table")).to_be_visible()
    problems += [f"month: {v}" for v in serious_axe_violations(page)]
    page.goto(f"{live_server.url}/o/{world.org.slug}/calendar/appointments/{first.pk}/")
    problems += [f"panel: {v}" for v in serious_axe_violations(page)]
    assert problems == [], "\n".join(problems)


def test_tablet_touch_drag_moves_after_a_long_press(browser: Browser, live_server, grid_world):
    world, _henri, _elina, _service, first, _second = grid_world
    context = browser.new_context(viewport=TABLET, has_touch=True, is_mobile=False, locale="en-GB",
                                  timezone_id="Europe/Helsinki")
    try:
        page = context.new_page()
        open_calendar(page, live_server, world)
        box = block(page, first).bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + 12
        cdp = context.new_cdp_session(page)

        def touch(kind: str, at_y: float) -> None:
            points = [] if kind == "touchEnd" else [{"x": x, "y": at_y}]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        touch("touchStart", y)
        page.wait_for_timeout(600)  # a long press picks the appointment up; a short swipe scrolls
        for step in range(1, 11):
            touch("touchMove", y + 2 * slot_height(page) * step / 10)
            page.wait_for_timeout(20)
        touch("touchEnd", y)
        expect(page.locator("#cal-status")).to_have_text("Appointment moved.")
        first.refresh_from_db()
        assert first.start == local(today(), 10)
    finally:
        context.close()
