"""A signed-in member's pages speak one language: theirs, else their organization's, on the panel, the
account and security pages and in allauth's messages, unless they chose one with the language menu."""

from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.tests.conftest import sign_in
from tilli.test import PASSWORD


def _lang(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


def test_the_sign_in_message_is_written_in_the_language_of_the_page_that_shows_it(world):
    world.org.default_language = "fi"
    world.org.save()
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")  # the sign-in page itself is in the browser's English
    response = sign_in(browser, world.practitioner.user.email, PASSWORD)
    assert response.status_code == 302
    allauths = "Successfully signed in as %(name)s."  # allauth's msgid, not ours to extract
    with translation.override("fi"):
        expected = translation.gettext(allauths) % {"name": ""}
    assert expected.startswith("Kirjauduttiin")  # allauth's own Finnish catalog
    shown = [str(m) for m in get_messages(browser.get(reverse("web:home")).wsgi_request)]
    assert any(m.startswith(expected.rstrip(".").strip()) for m in shown), shown


def test_account_and_security_pages_speak_the_members_language(world, client_for):
    world.org.default_language = "pl"
    world.org.save()
    member = client_for(world.practitioner)
    member.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    for name in ("web:account_security", "account_reauthenticate", "account_change_password"):
        assert _lang(member.get(reverse(name))) == "pl", name
    world.practitioner.user.preferred_language = "sv"
    world.practitioner.user.save()
    assert _lang(member.get(reverse("web:account_security"))) == "sv"
    member.cookies["django_language"] = "en"  # a choice in the language menu wins
    assert _lang(member.get(reverse("web:account_security"))) == "en"
