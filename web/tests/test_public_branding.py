"""Pages for an organization's customers carry the organization's name, not Tilli's, and their footer
speaks to the customer (the organization's privacy notice), not to the owner."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client as Browser
from django.urls import reverse

from kernel.audit import Actor
from privacy.documents import publish_notice


@pytest.fixture
def visitor() -> Browser:
    browser = Browser()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return browser


@pytest.mark.parametrize("name", ["public_booking:services", "public_booking:contact", "portal:start",
                                  "public_booking:privacy_notice"])
def test_customer_pages_are_branded_with_the_organization_and_point_to_its_privacy_notice(world, visitor, name):
    publish_notice(organization=world.org, actor=Actor.system("test"))
    slug_kwarg = "portal_slug" if name.startswith("portal") else "booking_slug"
    html = visitor.get(reverse(name, kwargs={slug_kwarg: world.org.slug})).content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert world.org.name in title and "Tilli" not in title
    identity = re.search(r'<div class="identity">(.*?)</div>', html, re.S).group(1)
    assert world.org.name in identity and "Tilli" not in identity
    footer = re.search(r'<footer class="footer">(.*?)</footer>', html, re.S).group(1)
    notice = reverse("public_booking:privacy_notice", kwargs={"booking_slug": world.org.slug})
    assert f'href="{notice}"' in footer and f"Privacy notice of {world.org.name}" in footer
    assert "your privacy notice" not in html and "Tilli keeps" not in html


def test_the_staff_panel_keeps_tillis_name(world, client_for):
    browser = client_for(world.owner)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = browser.get(reverse("web:dashboard", kwargs={"org_slug": world.org.slug})).content.decode()
    assert ">Tilli</a>" in html and "Tilli keeps every promise of your privacy notice." in html
