"""Every panel, portal, account and public page, rendered in fi, sv and pl, has no string left in English.

The walk takes every URL pattern (as tenancy/tests/test_tenant_sweep.py does), fills it with real
objects, and GETs it as the owner (panel, account pages), as a signed-in client (portal) or as a
visitor (booking pages), first in English, then in each language. A text that is the same in the
English page and in the translated one, and holds a word of the source's English vocabulary (every
msgid of ours, Django's and allauth's, plus the commonest English words) that the language's own
catalogs never use, is English left on the page: an unwrapped string, a string without a
translation, or a code shown raw. Names, numbers, addresses and codes of the data are not words of
that vocabulary, and text marked as another language (`lang`) or code (`<code>`, `<pre>`) is skipped.

Slow (about 250 pages): run it alone with `pytest -m pagewalk`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone, translation

from tenancy.tests.test_tenant_sweep import OBJECT_KWARGS, _walk
from tilli.tests.catalogs import LANGUAGES, entries, extract
from web.tests.privacy_helpers import reauthenticate

pytestmark = [pytest.mark.pagewalk, pytest.mark.django_db]

# The commonest English words: short sentences and labels are often made of these alone.
STOPWORDS = {
    "a", "add", "all", "an", "and", "any", "are", "as", "at", "back", "be", "been", "but", "by", "can", "cancel",
    "choose", "close", "could", "created", "delete", "did", "do", "does", "done", "each", "edit", "every", "for",
    "from", "had", "has", "have", "here", "hide", "how", "in", "is", "it", "its", "less", "may", "more", "must",
    "new", "next", "no", "none", "not", "of", "on", "open", "option", "or", "our", "previous", "remove", "save",
    "select", "send", "sent", "should", "show", "some", "than", "that", "the", "their", "then", "there", "these",
    "they", "this", "those", "to", "updated", "was", "we", "were", "what", "when", "where", "which", "who", "whom",
    "why", "will", "with", "without", "would", "yes", "you", "your"
}
# Words that are the same in every language (brands, units, standards) and so may stand on any page.
SAME_EVERYWHERE = {"tilli", "sms", "pdf", "csv", "ics", "api", "url", "ip", "iban", "gdpr", "utc", "gsm", "ucs",
                   "totp", "json", "id", "ok"}
ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
SKIPPED_TAGS = {"script", "style", "code", "pre", "textarea", "template"}
WORD = re.compile(r"[^\W\d_]{2,}")
NOT_WORDS = re.compile(r"https?://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|/\S*|\b[\w-]+\.(?:test|ics|csv|pdf|zip)\b")


class _Texts(HTMLParser):
    """The visible text nodes and labelling attributes of a page, minus code and other-language parts."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language, self.stack, self.texts = language, [], []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = attrs.get("lang")
        skip = (tag in SKIPPED_TAGS or attrs.get("translate") == "no"
                or (lang is not None and tag != "html" and lang.split("-")[0] != self.language))
        if not skip and not self._skipping():
            self.texts += [attrs[name] for name in ATTRIBUTES if attrs.get(name)]
            if tag == "input" and attrs.get("type") in ("submit", "button", "reset") and attrs.get("value"):
                self.texts.append(attrs["value"])
        if tag not in self.VOID:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                break

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._skipping():
            self.texts.append(text)


def texts(html: str, language: str) -> set[str]:
    parser = _Texts(language)
    parser.feed(html)
    return set(parser.texts)


def _words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(NOT_WORDS.sub(" ", text))}


def _catalog_words(po_files, field: str) -> set[str]:
    words: set[str] = set()
    for po_file in po_files:
        for _flags, fields in entries(Path(po_file)):
            for key, text in fields.items():
                if key.startswith(field):
                    words |= _words(re.sub(r"%\(\w+\)[sd]|\{\w+\}|<[^>]+>", " ", text))
    return words


def _package_catalogs(language: str) -> list[Path]:
    """Django's, its contrib apps' and allauth's catalogs for `language`, as the running process finds them."""
    import allauth
    import django

    roots = [Path(django.__file__).parent, Path(allauth.__file__).parent]
    return [p for root in roots for p in root.glob(f"**/locale/{language}/LC_MESSAGES/django.po")]


@pytest.fixture(scope="module")
def vocabulary(tmp_path_factory) -> dict[str, set[str]]:
    """The English words of the source and of the packages, and each language's own words."""
    source = extract(tmp_path_factory.mktemp("catalogs"), LANGUAGES)
    ours = [source / language / "LC_MESSAGES" / "django.po" for language in LANGUAGES]
    english = _catalog_words(ours + _package_catalogs("fi"), "msgid") | STOPWORDS
    own = {language: _catalog_words([source / language / "LC_MESSAGES" / "django.po",
                                     *_package_catalogs(language)], "msgstr") | SAME_EVERYWHERE
           for language in LANGUAGES}
    return {"en": english, **own}


def _names() -> set[str]:
    """Texts that are names, the same in every language: each language's own name in the language menu,
    and the names of the cookies the privacy notice lists."""
    from privacy.cookies import cookie_names

    return {name for _code, name in settings.LANGUAGES} | cookie_names()


def english_left(en_texts: set[str], page_texts: set[str], language: str, vocabulary) -> list[str]:
    """Texts of a translated page that are the same as in English and hold English words the language
    never uses."""
    names = _names()
    return sorted(t for t in page_texts & en_texts
                  if t not in names and (_words(t) & vocabulary["en"]) - vocabulary[language] - DATA_WORDS)


DATA_WORDS: set[str] = set()  # the names in the test data, filled by the `pages` fixture


# --- the objects and the pages ------------------------------------------------------------------------------

@pytest.fixture
def objects(world):
    """One of everything a URL can name, with Finnish data, so data never reads as English."""
    import datetime as dt

    from accounts.services import invitation_create
    from api.services import api_token_create
    from booking.models import Location, Service
    from kernel.audit import Actor
    from notify.models import Campaign, Message, MessageTemplate, ReminderRule
    from privacy.breaches import breach_record, breach_subject_add
    from privacy.documents import publish_notice
    from privacy.models import DataExport, OrganizationRecipient, RequestChannel, RequestKind
    from privacy.requests import request_create
    from tenancy.roles import Role
    from tenancy.tests.test_tenant_sweep import _appointment
    from tilli.test import legacy_payment as payment_record
    from tilli.test import make_client

    system = Actor.system("test")
    invitation = invitation_create(organization=world.org, email="uusi.ihminen@example.test", role=Role.RECEPTION,
                                   invited_by=world.owner.user, actor=system)
    token, secret = api_token_create(membership=world.owner, name="Kassa", actor=system)
    client = make_client(world.org, first_name="Sylvi", last_name="Sivunen", email="sylvi@example.test",
                         phone="0401112222")
    appointment = _appointment(world, client)
    Service.objects.filter(organization=world.org).update(name="Hiustenleikkaus")
    Location.objects.filter(organization=world.org).update(name="Keskusta", address="Kauppakatu 3")
    request = request_create(organization=world.org, kind=RequestKind.ACCESS, channel=RequestChannel.EMAIL,
                             actor=system, client=client, details="Sylvi pyytää kopion")
    export = DataExport.objects.create(organization=world.org, client=client, request=request)
    payment = payment_record(organization=world.org, client=client, amount=Decimal("30.00"), method="cash",
                             actor=system, description="Leikkaus")
    from billing.sales import LineInput, TenderInput, sale_complete

    sale = sale_complete(organization=world.org, location=appointment.location, client=client, actor=system,
                         lines=[LineInput(kind="free", description="Hiusöljy", unit_price=Decimal("19.90"),
                                          vat_percent=Decimal("25.5")),
                                LineInput(kind="gift_card", description="Lahjakortti", unit_price=Decimal("20"))],
                         tenders=[TenderInput(method="card", amount=Decimal("39.90"))])
    message = Message.objects.create(organization=world.org, client=client, purpose="reminder", kind="reminder",
                                     channel="email", recipient=client.email, language="fi", subject="Muistutus",
                                     body="Hei Sylvi", next_attempt_at=timezone.now(), dedupe_key="walk",
                                     status="cancelled", error="appointment_cancelled")
    campaign = Campaign.objects.create(organization=world.org, name="Kevät", channel="email", subject="Kevät",
                                       body="Kevään tarjous")
    rule = ReminderRule.objects.create(organization=world.org, hours_before=24, channel="email")
    template = MessageTemplate.objects.create(organization=world.org, kind="reminder", channel="sms",
                                              language="fi", body="Muistutus {business_name}")
    recipient = OrganizationRecipient.objects.create(organization=world.org, name="Tilitoimisto Numero",
                                                     purpose="kirjanpito", data_categories="kuitit")
    breach = breach_record(organization=world.org, actor=system, title="Kannettava kadonnut",
                           nature="Kannettava tietokone", noticed_at=timezone.now() - dt.timedelta(hours=1))
    breach_subject_add(breach=breach, client=client, actor=system)
    with translation.override(world.org.default_language):  # as the salon's owner publishes it, in Finnish
        notice = publish_notice(organization=world.org, actor=system)
    return {"notice": notice, "invitation": invitation, "token": token, "secret": secret, "client": client,
            "appointment": appointment, "request": request, "export": export, "payment": payment,
            "sale": sale, "card": sale.lines.get(kind="gift_card").voucher, "message": message,
            "campaign": campaign, "rule": rule, "template": template, "breach": breach,
            "recipient": recipient}


KWARGS = {**OBJECT_KWARGS,
          "recipient_id": lambda world, objs: objs["recipient"].pk,
          "breach_id": lambda world, objs: objs["breach"].pk,
          "portal_slug": lambda world, objs: world.org.slug,
          "version": lambda world, objs: objs["notice"].version,
          "organization_id": lambda world, objs: world.org.pk,  # the operator's console
          "subprocessor_id": lambda world, objs: 1,
          "stamp": lambda world, objs: _online_payment(world, objs).stamp,  # the public payment pages
          "gateway_name": lambda world, objs: "stripe",  # a notification (not offered by the test settings)
          "token": None}  # tokens (sign-in links, calendar feeds, unsubscribing) are filled per route below


def _online_payment(world, objs):
    """A prepayment awaiting its gateway's confirmation, for the public payment pages (return and cancel)."""
    from decimal import Decimal

    from django.utils import timezone

    from billing.models import OnlinePayment

    appointment = objs["appointment"]
    payment, _created = OnlinePayment.objects.get_or_create(
        organization=world.org, stamp="0" * 31 + "w", defaults={
            "gateway": "stripe", "kind": "prepayment", "status": "pending", "client": appointment.client,
            "appointment": appointment, "amount": Decimal("49.00"), "currency": "EUR", "created_at": timezone.now()})
    return payment
SKIPPED_PREFIXES = ("admin/", "api/", "i18n/", "static/")
# Pages that need a query to answer at all.
QUERIES = {"o/<slug:org_slug>/messages/wording/edit/": "?kind=confirmed&channel=email&language=fi"}


def _token(route: str, world, objs) -> str | None:
    from booking.notifications import manage_token
    from notify.unsubscribe import unsubscribe_token

    if route.startswith("b/") and "manage" in route:
        return manage_token(objs["appointment"])
    if route.startswith("u/"):
        return unsubscribe_token(objs["client"], "email")
    return None  # allauth's e-mailed keys, portal links, feeds: a made-up one only shows an error page


def _url(route: str, world, objs) -> str | None:
    missing = False

    def value(match: re.Match) -> str:
        nonlocal missing
        name = match.group(2)
        if name == "org_slug":
            return world.org.slug
        if name == "token":
            token = _token(route, world, objs)
            missing = missing or token is None
            return token or ""
        if name not in KWARGS:
            if route.startswith(("o/", "p/", "b/")):
                pytest.fail(f"The page walk does not know URL keyword {name!r} in {route}: add it to KWARGS.")
            missing = True  # allauth's own keys (password reset, email confirmation)
            return ""
        return str(KWARGS[name](world, objs))

    url = "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route) + QUERIES.get(route, "")
    return None if missing else url


def _browser(route: str, world, objs, client_for, language: str, owners: dict) -> Client:
    """A fresh visitor or portal client per page (a portal page may sign out); one owner per language."""
    from web.portal_views import SESSION_KEY as PORTAL_KEY

    if not route.startswith(("p/", "b/", "u/")):
        if language not in owners:
            owners[language] = client_for(world.owner)
            owners[language].raise_request_exception = False  # a page that fails is another test's business
            reauthenticate(owners[language])  # the erasure and export pages ask for it
            owners[language].cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return owners[language]
    browser = Client(raise_request_exception=False)
    if route.startswith("p/"):
        session = browser.session
        session[PORTAL_KEY] = {"organization": world.org.pk, "client": objs["client"].pk,
                               "at": int(timezone.now().timestamp())}
        session.save()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return browser


def routes() -> list[str]:
    return sorted({route for route, _ in _walk(get_resolver().url_patterns)
                   if not route.startswith(SKIPPED_PREFIXES) and "<path:" not in route})


@pytest.fixture
def pages(world, objects, client_for):
    """{url: {language: text nodes}} of every page that answers 200 with HTML in English."""
    from accounts.models import User
    from tenancy.models import Organization

    DATA_WORDS.clear()
    for first, last in User.objects.values_list("first_name", "last_name"):
        DATA_WORDS.update(_words(f"{first} {last}"))
    for name in Organization.objects.values_list("name", flat=True):
        DATA_WORDS.update(_words(name))
    found: dict[str, dict[str, set[str]]] = {}
    owners: dict[str, Client] = {}
    for route in routes():
        url = _url(route, world, objects)
        if url is None:
            continue
        by_language = {}
        for language in ["en", *LANGUAGES]:
            response = _browser(route, world, objects, client_for, language, owners).get(url)
            if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
                break
            by_language[language] = texts(response.content.decode(), language)
        if len(by_language) == 1 + len(LANGUAGES):
            found[url] = by_language
    return found


def test_the_walk_reaches_the_panel_the_portal_the_booking_pages_and_the_account_pages(pages):
    prefixes = {url.split("/")[1] for url in pages}
    assert {"o", "p", "b", "accounts", "account"} <= prefixes, prefixes
    assert len(pages) >= 60


def test_no_page_has_a_string_left_in_english(pages, vocabulary):
    left = {}
    for url, by_language in pages.items():
        for language in LANGUAGES:
            found = english_left(by_language["en"], by_language[language], language, vocabulary)
            if found:
                left[f"{language} {url}"] = found
    assert not left, "English on translated pages (translate or wrap in gettext):\n" + "\n".join(
        f"{page}: {found}" for page, found in sorted(left.items()))


# --- the detector itself ---------------------------------------------------------------------------------

def test_the_detector_flags_english_left_and_not_names_numbers_or_codes(vocabulary):
    en = {"- Select an option -", "created at", "Visits", "Sylvi Sivunen", "30,00 €", "GSM-7", "Tilli",
          "hilkka@example.test", "10:00–11:00", "Client records", "English", "django_language"}
    fi = en | {"Käynnit"}
    DATA_WORDS.clear()
    DATA_WORDS.update({"sylvi", "sivunen"})
    assert english_left(en, fi, "fi", vocabulary) == ["- Select an option -", "Client records", "Visits",
                                                      "created at"]
