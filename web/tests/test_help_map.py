"""Every page of the panel, the portal and the booking pages has a help link that opens its topic.

A URL name that is neither mapped to a topic (web/help.py PAGE_TOPICS) nor listed as having no page of its
own (NO_HELP) fails here: whoever adds a page decides which part of the guide explains it.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from web.help import NO_HELP, PAGE_TOPICS, Audience, topic_for_page
from web.tests.test_pages_translated import _browser, _url, objects, routes  # noqa: F401 (objects: a fixture)

NAMESPACES = ("web", "portal", "public_booking")
HELP_LINK = re.compile(r'<a class="help-link" href="([^"]+)">')


def _names(patterns, namespace: str = "") -> set[str]:
    names = set()
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace])) if entry.namespace else namespace
            names |= _names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name and namespace in NAMESPACES:
            names.add(f"{namespace}:{entry.name}")
    return names


def page_names() -> set[str]:
    return _names(get_resolver().url_patterns)


def test_every_page_has_a_help_topic_or_is_listed_as_having_none():
    undecided = page_names() - set(PAGE_TOPICS) - NO_HELP
    assert not undecided, ("Map these URL names to a help topic in web/help.py (or add them to NO_HELP if "
                           f"they show no page of their own): {sorted(undecided)}")


def test_the_map_names_only_pages_that_exist_and_each_once():
    assert set(PAGE_TOPICS) & NO_HELP == set()
    namespaced = {name for name in set(PAGE_TOPICS) | NO_HELP if ":" in name}
    assert namespaced <= page_names(), sorted(namespaced - page_names())
    for name in set(PAGE_TOPICS) - namespaced:
        reverse(name)  # an account page of django-allauth: raises NoReverseMatch once it is renamed


def test_panel_pages_open_the_staff_guide_and_customers_pages_the_clients_guide():
    for name, topic in PAGE_TOPICS.items():
        expected = Audience.STAFF if ":" not in name or name.startswith("web:") else Audience.CLIENT
        assert topic.audience == expected, name


@pytest.mark.django_db
def test_each_page_links_to_its_topic_and_the_topic_opens(world, objects, client_for):  # noqa: F811
    """Every page that answers 200 with a whole HTML page, as the owner (panel), a signed-in client (portal) or a
    visitor (booking pages), carries the help link of its topic, and that link opens the topic."""
    owners: dict = {}
    checked = {"o": 0, "p": 0, "b": 0}
    for route in routes():
        if not route.startswith(("o/", "p/", "b/")) and route != "":
            continue
        url = _url(route, world, objects)
        if url is None:
            continue
        browser = _browser(route, world, objects, client_for, "fi", owners)
        response = browser.get(url)
        if response.status_code != 200 or b"<html" not in response.content:
            continue  # not a page: a redirect, a file, a fragment that htmx swaps into a page
        view_name = response.resolver_match.view_name
        links = HELP_LINK.findall(response.content.decode())
        topic = topic_for_page(view_name)
        if topic is None:
            assert links == [], f"{url} ({view_name}) has no topic but shows a help link"
            continue
        if topic.audience == Audience.STAFF:
            expected = reverse("help:topic", args=[topic.slug])
        else:
            expected = reverse("public_booking:help_topic", args=[world.org.slug, topic.slug])
        assert links == [expected], f"{url} ({view_name})"
        assert browser.get(expected).status_code == 200, expected
        checked[route[0]] += 1
    # The walk really reached the panel, the portal and the booking pages.
    assert checked["o"] >= 40 and checked["p"] >= 5 and checked["b"] >= 5, checked


@pytest.mark.django_db
def test_the_account_pages_link_to_the_staff_guide(world, client_for):
    browser = client_for(world.owner)
    browser.cookies["django_language"] = "fi"
    html = browser.get(reverse("mfa_index")).content.decode()
    assert HELP_LINK.findall(html) == [reverse("help:topic", args=["organization"])]
    assert HELP_LINK.findall(Client().get(reverse("account_login")).content.decode()) == []  # not signed in
