"""A document's words are in the document's language, never in the language of whoever published or opens it:
the notice's cookie section included, and the documents page's "up to date" answer the same in every UI
language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from privacy.cookies import PURPOSES
from privacy.documents import publish_notice
from web.tests.privacy_helpers import SYSTEM, url

pytestmark = pytest.mark.django_db


def _in(language: str, client: Client) -> Client:
    client.cookies["django_language"] = language
    return client


def test_a_notice_published_from_an_english_panel_reads_wholly_in_finnish_on_the_finnish_page(world):
    with translation.override("en"):
        publish_notice(organization=world.org, actor=SYSTEM)
    page = Client().get(reverse("public_booking:privacy_notice", kwargs={"booking_slug": world.org.slug}))
    html = page.content.decode()
    with translation.override("en"):
        english = str(PURPOSES["session"])
    with translation.override("fi"):
        finnish = str(PURPOSES["session"])
    assert english != finnish
    assert finnish in html and english not in html


def test_the_notice_published_in_one_language_is_up_to_date_in_every_ui_language(world, client_for):
    with translation.override("fi"):
        publish_notice(organization=world.org, actor=SYSTEM)
    for language in ("en", "fi", "sv", "pl"):
        page = _in(language, client_for(world.owner)).get(url(world, "web:documents")).content.decode()
        assert 'name="action" value="publish"' not in page, language


def test_the_record_is_in_the_organizations_language_whatever_the_owners_ui_language(world, client_for):
    page = _in("en", client_for(world.owner)).get(url(world, "web:documents_record")).content.decode()
    assert 'lang="fi"' in page and "Seloste käsittelytoimista: Salon Aurora" in page
    assert "Record of processing activities: Salon Aurora" not in page
