"""The booking page, the portal and a booking's own page speak the visitor's language when the
organization offers it (Accept-Language, then the language menu), with a menu of the offered ones."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client as Browser
from django.urls import reverse

from tenancy.models import Organization

PAGES = [("public_booking:services", "booking_slug"), ("portal:start", "portal_slug"),
         ("public_booking:contact", "booking_slug")]


def _lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def _menu(html: str) -> list[str]:
    select = re.search(r'<select id="language-select".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([a-z]+)"', select)


@pytest.mark.parametrize(("name", "kwarg"), PAGES)
@pytest.mark.parametrize(("header", "expected"), [("sv-FI,sv;q=0.9,fi;q=0.8", "sv"), ("pl-PL,pl;q=0.9", "pl"),
                                                  ("en-GB,en;q=0.9", "en"), ("de-DE,de;q=0.9", "fi"), ("", "fi"),
                                                  ("de;q=1,pl;q=0.5,sv;q=0.7", "sv")])
def test_the_browsers_language_is_used_when_the_organization_offers_it(world, name, kwarg, header, expected):
    assert world.org.default_language == "fi"
    html = Browser().get(reverse(name, kwargs={kwarg: world.org.slug}), headers={"Accept-Language": header})
    assert _lang(html.content.decode()) == expected


def test_only_the_languages_the_organization_offers_are_used_and_listed(world):
    Organization.objects.filter(pk=world.org.pk).update(public_languages=["fi", "en"])
    url = reverse("public_booking:services", kwargs={"booking_slug": world.org.slug})
    html = Browser().get(url, headers={"Accept-Language": "sv-FI,sv;q=0.9,en;q=0.5"}).content.decode()
    assert _lang(html) == "en" and _menu(html) == ["fi", "en"]
    chose_swedish = Browser()
    chose_swedish.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"  # chosen elsewhere, not offered here
    assert _lang(chose_swedish.get(url).content.decode()) == "fi"


def test_the_language_menu_switches_and_wins_over_the_browser(world):
    url = reverse("public_booking:services", kwargs={"booking_slug": world.org.slug})
    visitor = Browser()
    html = visitor.get(url, headers={"Accept-Language": "sv-FI"}).content.decode()
    assert _menu(html) == ["fi", "sv", "pl", "en"] and 'value="sv" lang="sv" selected' in html
    response = visitor.post(reverse("set_language"), {"language": "pl", "next": url},
                            headers={"Accept-Language": "sv-FI"})
    assert response.status_code == 302
    assert _lang(visitor.get(url, headers={"Accept-Language": "sv-FI"}).content.decode()) == "pl"


def test_the_owner_chooses_the_offered_languages_and_must_keep_the_default(world, client_for):
    owner = client_for(world.owner)
    owner.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = reverse("web:organization_settings", kwargs={"org_slug": world.org.slug})
    page = owner.get(url).content.decode()
    assert 'name="public_languages" value="sv"' in page
    data = {field: value for field, value in re.findall(r'name="(\w+)" value="([^"]*)"', page)
            if field not in ("csrfmiddlewaretoken", "public_languages", "national_id_enabled")}
    data.update(default_language="fi", time_zone=world.org.time_zone, country=world.org.country)
    refused = owner.post(url, {**data, "public_languages": ["sv", "en"]})
    assert refused.status_code == 200 and "Include the default language." in refused.content.decode()
    assert owner.post(url, {**data, "public_languages": ["fi", "pl"]}).status_code == 302
    world.org.refresh_from_db()
    assert world.org.public_language_codes == ["fi", "pl"]


def test_a_visitor_who_books_in_swedish_gets_the_confirmation_in_swedish(world, smtp_server):
    from email.header import decode_header, make_header

    from django.utils import translation

    from clients.models import Client
    from tilli.test import make_bookable, with_proof, worker_after

    _, _, service = make_bookable(world.org, world.practitioner)
    day = dt.date.today() + dt.timedelta(days=7)
    start = Browser().get(f"/api/v1/public/{world.org.slug}/availability?service={service.pk}"
                          f"&start={day}&end={day}").json()[0]["start"]
    with worker_after():
        response = Browser().post(reverse("public_booking:details", args=[world.org.slug]), {
            "service": service.pk, "staff": "any", "start": start, "first_name": "Sara", "last_name": "Berg",
            "email": "sara@example.test", "phone": "040 765 4321", **with_proof(world.org)},
            headers={"Accept-Language": "sv-FI,sv;q=0.9"})
    assert response.status_code == 302
    assert Client.objects.get(email="sara@example.test").preferred_language == "sv"
    message = next(m for m in smtp_server.wait_for(1) if m["To"] == "sara@example.test")
    with translation.override("sv"):
        expected = translation.gettext("Your booking at %(organization)s is confirmed") % {
            "organization": world.org.name}
    assert str(make_header(decode_header(message["Subject"]))) == expected
