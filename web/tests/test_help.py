"""The guide: every topic in every language renders with its own title and no English left in the
translated ones; the staff guide asks for a sign-in; the clients' guide carries the business; search and
the printable page work."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse
from django.utils import translation

from web.help import CLIENT_TOPICS, LANGUAGES, STAFF_TOPICS, Audience, search

TRANSLATED = [code for code in LANGUAGES if code != "en"]
# Words of English that are no word of Finnish, Swedish or Polish (unlike "guide" or "data"): one of them on
# a translated page is English left behind (an untranslated template, a string outside gettext, a catalog gap).
ENGLISH = {"the", "and", "your", "you", "with", "this", "that", "which", "when", "what", "from", "have",
           "will", "client", "clients", "booking", "request", "requests", "staff", "owner", "page", "help",
           "topics", "search", "print", "breach", "privacy"}
WORD = re.compile(r"[^\W\d_]+")


class _VisibleText(HTMLParser):
    """The page's visible words, without scripts, styles and code samples (placeholders are code)."""

    SKIPPED = {"script", "style", "code", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skipping, self.words = 0, []

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in self.SKIPPED

    def handle_endtag(self, tag):
        self.skipping -= tag in self.SKIPPED

    def handle_data(self, data):
        if not self.skipping:
            self.words += WORD.findall(data.casefold())


def english_words(html: str) -> set[str]:
    parser = _VisibleText()
    parser.feed(html)
    return ENGLISH & set(parser.words)


def h1(html: str) -> str:
    return re.sub(r"\s+", " ", re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)).strip()


def title_in(topic, language: str) -> str:
    with translation.override(language):
        return str(topic.title)


def _in(client: Client, language: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("topic", [*STAFF_TOPICS, *CLIENT_TOPICS], ids=lambda t: f"{t.audience}-{t.slug}")
def test_every_topic_is_written_in_every_language(topic, language):
    body = get_template(topic.template(language)).render({"help_root": "/help/"})
    assert len(body) > 400, f"{topic.template(language)} is too short to be a guide"
    if language != "en":
        assert english_words(body) == set(), topic.template(language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_staff_topic_page_speaks_its_language(world, client_for, language):
    browser = _in(client_for(world.reception), language)
    for topic in STAFF_TOPICS:
        response = browser.get(f"/help/{topic.slug}/")
        assert response.status_code == 200, topic.slug
        html = response.content.decode()
        assert f'<html lang="{language}">' in html
        assert h1(html) == title_in(topic, language)
        if language != "en":
            assert title_in(topic, language) != title_in(topic, "en"), f"{topic.slug}: title not translated"
            assert english_words(html) == set(), f"/help/{topic.slug}/ in {language}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_client_topic_page_speaks_its_language_and_carries_the_business(world, language):
    browser = _in(Client(), language)
    for topic in CLIENT_TOPICS:
        response = browser.get(f"/b/{world.org.slug}/help/{topic.slug}/")
        assert response.status_code == 200, topic.slug
        html = response.content.decode()
        assert f'<html lang="{language}">' in html
        assert h1(html) == title_in(topic, language)
        assert world.org.name in html
        assert ">Tilli<" not in html  # the customers' pages carry the business's name, not ours
        if language != "en":
            assert title_in(topic, language) != title_in(topic, "en"), f"{topic.slug}: title not translated"
            assert english_words(html) == set(), f"client help {topic.slug} in {language}"


def test_staff_guide_asks_for_a_sign_in(db):
    for path in ("/help/", "/help/requests/", "/help/print/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith(reverse(settings.LOGIN_URL)), path


def test_an_unknown_topic_is_not_found(world, client_for):
    assert client_for(world.owner).get("/help/no-such-topic/").status_code == 404
    assert Client().get(f"/b/{world.org.slug}/help/requests/").status_code == 404  # a staff topic
    assert Client().get("/b/no-such-business/help/").status_code == 404


def test_search_finds_the_topic_in_the_readers_language(world, client_for):
    with translation.override("fi"):
        assert [hit.topic.slug for hit in search(Audience.STAFF, "fi", "72 tunnin")] == ["breaches"]
    assert search(Audience.STAFF, "fi", "zebrasukellus") == []
    html = _in(client_for(world.owner), "fi").get("/help/", {"q": "käsittelysopimus"}).content.decode()
    assert 'href="/help/documents/"' in html.split("<h2>Aiheet</h2>")[0]
    pl = _in(Client(), "pl").get(f"/b/{world.org.slug}/help/", {"q": "przełóż"}).content.decode()
    assert f'href="/b/{world.org.slug}/help/changes/"' in pl.split("<h2>")[1]


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_whole_guide_prints_on_one_page(world, client_for, language):
    html = _in(client_for(world.owner), language).get("/help/print/").content.decode()
    for topic in STAFF_TOPICS:
        assert f'id="topic-{topic.slug}"' in html and title_in(topic, language) in html
    assert english_words(html) == set()
    client_html = _in(Client(), language).get(f"/b/{world.org.slug}/help/print/").content.decode()
    assert all(title_in(topic, language) in client_html for topic in CLIENT_TOPICS)


@pytest.mark.parametrize("path", ["/b/{slug}/", "/b/{slug}/contact/", "/p/{slug}/", "/b/{slug}/help/portal/"])
def test_the_customers_pages_lead_to_the_clients_guide_and_the_portal(world, path):
    html = _in(Client(), "fi").get(path.format(slug=world.org.slug)).content.decode()
    footer = re.search(r'<footer class="footer">(.*?)</footer>', html, re.S).group(1)
    assert f'href="/b/{world.org.slug}/help/">Ohjeet asiakkaille</a>' in footer
    assert f'href="/p/{world.org.slug}/"' in footer


def test_staff_see_the_clients_guide_of_their_own_organizations_only(world, client_for):
    html = _in(client_for(world.reception), "fi").get("/help/").content.decode()
    assert f'href="/b/{world.org.slug}/help/"' in html
    assert f'/b/{world.other_org.slug}/' not in html and world.other_org.name not in html


def test_the_search_words_are_shown_as_text_not_markup(world):
    html = _in(Client(), "en").get(f"/b/{world.org.slug}/help/", {"q": "<b>cancel</b>"}).content.decode()
    assert "&lt;b&gt;cancel&lt;/b&gt;" in html and "<b>cancel</b>" not in html
