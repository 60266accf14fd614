"""The dashboard's cards stay readable in every language at phone, tablet and desktop widths: the
organization card's definition list wraps its labels instead of squeezing the values to a letter a line.
Screenshots go to var/screenshots/dashboard-<language>-<width>.png."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tests_e2e.conftest import SCREENSHOTS, sign_in

pytestmark = pytest.mark.e2e

WIDTHS = {"phone": 390, "tablet": 768, "desktop": 1280}

# Each value's box and the card's height, measured in the page.
MEASURE = """() => {
  const card = document.querySelector("#organization-heading").closest("section");
  const values = [...card.querySelectorAll("dd")].map(dd => {
    const r = dd.getBoundingClientRect();
    const line = parseFloat(getComputedStyle(dd).lineHeight) || 20;
    return {text: dd.textContent.trim(), width: r.width, lines: Math.round(r.height / line)};
  });
  return {height: card.getBoundingClientRect().height, values};
}"""


@pytest.mark.parametrize("language", ["fi", "pl"])
def test_the_organization_card_is_readable_at_every_width(page: Page, live_server, e2e_world, language):
    org = e2e_world.org
    org.privacy_contact_name = "Sääskö Öhman-Kääriäinen"
    org.street_address, org.postal_code, org.city = "Hämeenkatu 14 B 22", "33100", "Tampere"
    org.save()
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    sign_in(page, live_server.url, e2e_world.owner.user.email, e2e_world.owner_totp)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/o/{org.slug}/")
    expect(page.locator("#organization-heading")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for name, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_load_state()
        page.screenshot(path=SCREENSHOTS / f"dashboard-{language}-{name}.png", full_page=True)
        measured = page.evaluate(MEASURE)
        if measured["height"] > 420:  # four labelled values, each label above its value in a narrow card
            problems.append(f"{name}: the card is {measured['height']:.0f}px tall")
        for value in measured["values"]:
            if value["width"] < 120 or value["lines"] > 2:
                problems.append(f"{name}: {value['text']!r} is {value['width']:.0f}px wide on {value['lines']} lines")
    assert not problems, problems
