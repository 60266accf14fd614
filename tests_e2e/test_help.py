"""The guide in Chromium: the help link of a panel page, the booking page and the portal opens the page's
topic in Finnish and Polish; search and the printout work; screenshots at phone and desktop widths."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tests_e2e.conftest import serious_axe_violations, shoot, sign_in

pytestmark = pytest.mark.e2e


def _speak(page: Page, base: str, language: str) -> None:
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])


def test_staff_open_the_topic_of_their_page_in_finnish_and_polish(page: Page, live_server, e2e_world, english,
                                                                  csp_violations):
    base, org = live_server.url, e2e_world.org.slug
    sign_in(page, base, e2e_world.owner.user.email, e2e_world.owner_totp)
    problems: list[str] = []

    _speak(page, base, "fi")
    page.goto(f"{base}/o/{org}/requests/")
    problems += shoot(page, "help-fi-staff-link-on-requests")
    page.get_by_role("link", name="Ohje", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rekisteröidyn pyynnön käsittely")
    expect(page.get_by_text("Varmista asiakkaan henkilöllisyys").first).to_be_visible()
    problems += shoot(page, "help-fi-staff-requests")
    assert serious_axe_violations(page) == []

    page.get_by_role("link", name="Opas henkilökunnalle").click()
    page.get_by_label("Hae oppaasta").fill("72 tunnin")
    page.get_by_role("button", name="Hae", exact=True).click()
    hits = page.locator(".help-hits")
    expect(hits.get_by_role("link", name="Tietoturvaloukkauksen käsittely")).to_be_visible()
    problems += shoot(page, "help-fi-staff-search")

    page.get_by_role("link", name="Koko opas yhdellä sivulla (tulostettavaksi)").click()
    expect(page.get_by_role("heading", name="Tietoturvaloukkauksen käsittely")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.get_by_role("heading", name="Tietoturvaloukkauksen käsittely")).to_be_visible()
    page.screenshot(path=f"{settings.BASE_DIR}/var/screenshots/help-fi-staff-print-media.png", full_page=True)
    page.emulate_media(media="screen")

    _speak(page, base, "pl")
    page.goto(f"{base}/o/{org}/breaches/")
    page.get_by_role("link", name="Pomoc", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Obsługa naruszenia ochrony danych osobowych")
    expect(page.get_by_text("Pilnuj terminu 72 godzin.")).to_be_visible()
    problems += shoot(page, "help-pl-staff-breaches")
    assert problems == []
    assert csp_violations == []


def test_clients_open_help_from_the_booking_page_and_the_portal(page: Page, live_server, e2e_world, csp_violations):
    base, org = live_server.url, e2e_world.org.slug
    problems: list[str] = []

    _speak(page, base, "fi")
    page.goto(f"{base}/b/{org}/")
    page.get_by_role("link", name="Ohje", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ajan varaaminen")
    expect(page.locator(".brand")).to_have_text(e2e_world.org.name)
    problems += shoot(page, "help-fi-client-booking")
    page.get_by_role("link", name="Oikeutesi ja niiden käyttäminen").click()
    expect(page.get_by_text("tietosuojavaltuutetun toimistolle")).to_be_visible()
    problems += shoot(page, "help-fi-client-rights")
    assert serious_axe_violations(page) == []

    _speak(page, base, "pl")
    page.goto(f"{base}/p/{org}/")
    problems += shoot(page, "help-pl-client-link-on-portal")
    page.get_by_role("link", name="Pomoc", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Twoje strony")
    problems += shoot(page, "help-pl-client-portal")
    page.locator("footer").get_by_role("link", name="Pomoc dla klientów").click()
    expect(page.get_by_role("link", name="Przełożenie lub odwołanie rezerwacji")).to_be_visible()
    problems += shoot(page, "help-pl-client-index")
    assert problems == []
    assert csp_violations == []
