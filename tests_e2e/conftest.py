"""Browser tests in Debian's Chromium (never `playwright install`), against Django's live server.

Run them with `make e2e`. Screenshots go to var/screenshots/.
"""

from __future__ import annotations

import os

# Playwright's sync API runs an event loop in the test thread; Django's ORM then refuses
# to run there unless this is set (the live server itself runs in its own thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tilli.test import PASSWORD, World, build_world, totp_code

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": DESKTOP, "locale": "en-GB"}


@pytest.fixture
def e2e_world(transactional_db) -> World:
    return build_world()


@pytest.fixture
def csp_violations(page: Page) -> list[str]:
    """Console errors about the Content-Security-Policy; a test asserts the list stays empty."""
    found: list[str] = []
    page.on("console", lambda msg: found.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    return found


@pytest.fixture
def english(page: Page, live_server) -> None:
    """The person chose English (else the organization's default, Finnish, applies after sign-in)."""
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])


def sign_in(page: Page, base_url: str, email: str, totp_secret: str | None = None) -> None:
    """Sign in through the real allauth pages: email and password, then the authenticator code."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if totp_secret is not None:
        expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
        page.get_by_label("Code").fill(totp_code(totp_secret))
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()  # static/tilli.js (deferred) is listening from here on


def open_menu(page: Page) -> None:
    menu = page.locator("details.menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    expect(menu.get_by_role("navigation")).to_be_visible()


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when nothing sticks out)."""
    page.wait_for_load_state()  # the stylesheet applied, else the page is measured unstyled
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


UNLABELLED_FIELDS = """() => [...document.querySelectorAll("input, select, textarea")]
    .filter(el => !["hidden", "submit", "button"].includes(el.type))
    .filter(el => el.labels.length === 0 && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
    .map(el => el.name || el.id)"""


def shoot(page: Page, name: str) -> list[str]:
    """Full-page PNGs at phone and desktop widths; returns problems found on the way
    (sideways scrolling, form fields without a label)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state()
    problems = [f"{name}: field {field!r} has no label" for field in page.evaluate(UNLABELLED_FIELDS)]
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
        overflow = horizontal_overflow(page)
        if overflow > 0:
            problems.append(f"{name} at {label} width scrolls sideways by {overflow}px")
    page.set_viewport_size(DESKTOP)
    return problems


AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


def serious_axe_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings (injected through the DevTools protocol, which the CSP allows)."""
    page.evaluate(AXE.read_text())
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))""")
