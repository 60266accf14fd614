"""Only the cookies Tilli needs, each named in privacy.cookies (which the privacy notice reads),
and a Content-Security-Policy that lets no third party's scripts, styles, images or connections in."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from privacy.cookies import cookie_names, lifetime_text, tilli_cookies
from tilli.test import PASSWORD, World, make_bookable, make_client, run_worker, totp_code


@pytest.fixture(autouse=True)
def _clean_cache(db):
    cache.clear()
    yield
    cache.clear()


class Browser:
    """The Django test client checking CSRF like a browser, noting the name of every cookie a response sets."""

    def __init__(self) -> None:
        self.client = Client(enforce_csrf_checks=True)
        self.seen: set[str] = set()

    def _note(self, response):
        self.seen |= set(response.cookies)
        return response

    def get(self, path: str, **kwargs):
        return self._note(self.client.get(path, **kwargs))

    def post(self, path: str, data: dict | None = None, **kwargs):
        if settings.CSRF_COOKIE_NAME not in self.client.cookies:
            self.get(path)
        token = self.client.cookies[settings.CSRF_COOKIE_NAME].value
        return self._note(self.client.post(path, {**(data or {}), "csrfmiddlewaretoken": token}, **kwargs))


def _walk_the_site(world: World, browser: Browser, smtp_server, capture) -> None:
    slug = world.org.slug
    make_bookable(world.org, world.practitioner)
    make_client(world.org, email="anna@example.test")
    # the public booking page and the contact form
    assert browser.get(reverse("public_booking:services", args=[slug])).status_code == 200
    assert browser.get(reverse("public_booking:contact", args=[slug])).status_code == 200
    # the client portal's sign-in: a link by email, then the link signs in
    with capture(execute=True):
        assert browser.post(reverse("portal:start", args=[slug]), {"email": "anna@example.test"}).status_code == 200
    run_worker()
    link = re.search(r"http://[^/]+(/p/\S+)", smtp_server.wait_for(1)[-1].get_payload(decode=True).decode()).group(1)
    assert browser.get(link).status_code == 200
    assert browser.post(link).status_code == 302
    assert browser.get(reverse("portal:home", args=[slug])).status_code == 200
    # the language menu
    assert browser.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    # staff sign-in with the second factor, then a staff page
    response = browser.post(reverse("account_login"), {"login": world.owner.user.email, "password": PASSWORD})
    assert response.status_code == 302
    response = browser.post(reverse("mfa_authenticate"), {"code": totp_code(world.owner_totp)})
    assert response.status_code == 302, response.content.decode()[:500]
    assert browser.get(reverse("web:dashboard", args=[slug])).status_code == 200
    assert browser.get(reverse("web:organization_settings", args=[slug])).status_code == 200


@pytest.mark.django_db(transaction=True)  # the task worker mails the portal link
def test_every_cookie_the_pages_set_is_listed_for_the_privacy_notice(world, smtp_server,
                                                                      django_capture_on_commit_callbacks):
    browser = Browser()

    _walk_the_site(world, browser, smtp_server, django_capture_on_commit_callbacks)

    assert browser.seen, "the walk set no cookie at all: it did not reach the pages"
    unlisted = browser.seen - cookie_names()
    assert not unlisted, f"cookies set but not listed in privacy/cookies.py: {sorted(unlisted)}"
    assert {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME} <= browser.seen


def test_each_listed_cookie_says_why_for_how_long_and_whether_it_is_needed():
    for cookie in tilli_cookies():
        assert str(cookie.purpose) and cookie.lifetime
        assert cookie.necessary and cookie.first_party  # Tilli sets nothing optional, nothing for others
    session = next(c for c in tilli_cookies() if c.name == settings.SESSION_COOKIE_NAME)
    assert session.max_age == settings.SESSION_COOKIE_AGE


def test_lifetimes_read_as_words():
    with translation.override("en"):
        assert lifetime_text(8 * 3600) == "8 hours"
        assert lifetime_text(31449600) == "364 days"
        assert lifetime_text(365 * 86400) == "1 year"
        assert lifetime_text(None) == "until the browser is closed"
        assert lifetime_text(90) == "1 minute"


CHECKED = ["script-src", "style-src", "img-src", "connect-src", "font-src"]
OWN_SOURCES = re.compile(r"^('self'|'none'|data:|'nonce-[A-Za-z0-9+/=_-]+')$")


def _directives(header: str) -> dict[str, list[str]]:
    parts = (p.strip().split() for p in header.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


@pytest.mark.parametrize("path", ["/b/{slug}/", "/b/{slug}/contact/", "/accounts/login/", "/p/{slug}/"])
def test_the_content_security_policy_admits_no_third_party_origin(world, path):
    response = Client().get(path.format(slug=world.org.slug))

    header = response.headers.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    directives = _directives(header)
    assert "default-src" in directives
    for name in CHECKED:
        sources = directives.get(name, directives["default-src"])
        foreign = [s for s in sources if not OWN_SOURCES.match(s)]
        assert not foreign, (name, foreign)


def test_the_configured_policy_names_no_other_origin():
    policy = settings.SECURE_CSP
    for name in ["default-src", *CHECKED]:
        for source in policy.get(name, []):
            assert "://" not in str(source) and "*" not in str(source), (name, source)


def test_the_privacy_notice_facts_name_every_cookie(world):
    import json

    from privacy.documents import notice_facts

    facts = notice_facts(world.org)

    assert {c["name"] for c in facts["cookies"]} == cookie_names()
    json.dumps(facts["cookies"])  # stored in the published notice as JSON
