"""Full-page screenshots of every page at phone and desktop widths, into var/screenshots/.

The test walks through the panel as an owner would; on the way it fails if a page scrolls
sideways on a phone, has a form field without a label, or trips the Content-Security-Policy.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests_e2e.conftest import PASSWORD, open_menu, shoot, sign_in
from tilli.test import run_worker, totp_code

pytestmark = pytest.mark.e2e


def test_screenshots_of_every_page(page: Page, live_server, e2e_world, english, smtp_server, csp_violations):
    base = live_server.url
    org = e2e_world.org.slug
    problems: list[str] = []

    # Signing in: the allauth pages in the site's layout.
    page.goto(f"{base}/accounts/login/")
    problems += shoot(page, "01-login")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    problems += shoot(page, "01-login-skip-link-focused")
    page.get_by_label("Email").fill(e2e_world.owner.user.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".errors, .errorlist").first).to_be_visible()
    problems += shoot(page, "01-login-error")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    problems += shoot(page, "02-two-factor-code")
    page.get_by_label("Code").fill(totp_code(e2e_world.owner_totp))
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Salon Aurora")
    problems += shoot(page, "03-overview")
    for _ in range(4):  # skip link, Tilli, Help, Menu
        page.keyboard.press("Tab")
    expect(page.locator("details.menu summary")).to_be_focused()
    problems += shoot(page, "03-overview-menu-focused")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Overview")).to_be_focused()
    problems += shoot(page, "03-overview-menu-link-focused")
    page.keyboard.press("Escape")  # closes the menu, focus back on its button (static/tilli.js)
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.locator("details.menu summary")).to_be_focused()
    open_menu(page)
    problems += shoot(page, "03-overview-menu-open")

    page.goto(f"{base}/o/{org}/staff/")
    page.get_by_label("Email address").fill("new.colleague@example.test")
    page.get_by_label("Role").select_option(label="Reception")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("region", name="Open invitations")).to_contain_text("new.colleague@example.test")
    problems += shoot(page, "04-staff")

    page.goto(f"{base}/o/{org}/staff/{e2e_world.practitioner.pk}/")
    problems += shoot(page, "05-staff-member")

    page.goto(f"{base}/o/{org}/settings/")
    problems += shoot(page, "06-organization-settings")
    page.get_by_label("Name").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".has-error").first).to_be_visible()
    problems += shoot(page, "06-organization-settings-error")

    page.goto(f"{base}/o/{org}/audit/")
    page.get_by_role("button", name="Verify the chain").click()
    expect(page.get_by_role("status")).to_contain_text("The chain is intact")
    problems += shoot(page, "07-access-log-verified")

    page.goto(f"{base}/o/{org}/api-tokens/")
    page.get_by_label("Name").fill("Booking widget")
    page.get_by_role("button", name="Create token").click()
    # An owner's token can export and erase: confirm it is you, then create it again.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_label("Name").fill("Booking widget")
    page.get_by_label("Valid for").select_option(label="30 days")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("Copy the token now")).to_be_visible()
    problems += shoot(page, "08-api-tokens")

    page.goto(f"{base}/account/security/")
    problems += shoot(page, "09-account-security")
    page.goto(f"{base}/accounts/sessions/")
    problems += shoot(page, "10-sessions")
    page.goto(f"{base}/accounts/password/change/")
    problems += shoot(page, "11-password-change")
    page.goto(f"{base}/accounts/2fa/")
    problems += shoot(page, "12-two-factor-overview")
    page.goto(f"{base}/accounts/2fa/recovery-codes/generate/")
    problems += shoot(page, "12-recovery-codes-generate")

    # The invitation link from the email, opened by the invited person (not signed in).
    run_worker()
    body = smtp_server.wait_for(1)[0].get_payload(decode=True).decode()
    path = re.search(r"https?://[^/\s]+(/accounts/invitations/\S+/)", body).group(1)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.goto(f"{base}{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Salon Aurora")
    problems += shoot(page, "13-invitation-accept")
    page.get_by_label("First name").fill("Noora")
    page.get_by_label("Last name").fill("Niemi")
    page.locator("#id_password").fill("short")
    page.get_by_label("Password again").fill("different")
    page.get_by_role("button", name="Join").click()
    expect(page.locator(".has-error").first).to_be_visible()
    problems += shoot(page, "13-invitation-accept-error")

    # A member without two-factor sign-in sets it up (owners are sent here until they do).
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    sign_in(page, base, e2e_world.reception.user.email)
    page.goto(f"{base}/accounts/2fa/totp/activate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Access")
    problems += shoot(page, "14-confirm-access")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Activate Authenticator App")
    problems += shoot(page, "14-two-factor-activate")

    assert csp_violations == []
    assert problems == []


@pytest.mark.parametrize("language", ["fi", "sv", "pl"])
def test_pages_fit_in_every_language(page: Page, live_server, e2e_world, language, csp_violations):
    """Translated words are longer (Finnish compounds above all): nothing may stick out on a phone."""
    base = live_server.url
    org = e2e_world.org.slug
    page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    problems: list[str] = []

    page.goto(f"{base}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    problems += shoot(page, f"{language}-01-login")
    page.locator("#id_login").fill(e2e_world.owner.user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.locator("#id_code").wait_for()
    problems += shoot(page, f"{language}-02-two-factor-code")
    page.locator("#id_code").fill(totp_code(e2e_world.owner_totp))
    page.locator("main form button[type=submit]").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Salon Aurora")

    for name, path in (("03-overview", f"/o/{org}/"), ("04-staff", f"/o/{org}/staff/"),
                       ("06-organization-settings", f"/o/{org}/settings/"),
                       ("07-access-log-verified", f"/o/{org}/audit/?verify=1"),
                       ("08-api-tokens", f"/o/{org}/api-tokens/"), ("09-account-security", "/account/security/"),
                       ("10-sessions", "/accounts/sessions/"), ("12-two-factor-overview", "/accounts/2fa/")):
        page.goto(f"{base}{path}")
        expect(page.locator("html")).to_have_attribute("lang", language)
        problems += shoot(page, f"{language}-{name}")
    open_menu(page)
    problems += shoot(page, f"{language}-03-menu-open")

    assert csp_violations == []
    assert problems == []
