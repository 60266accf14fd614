"""The one pager (web/_pager.html) keeps whatever the list was filtered by and changes only the page, so every
list that includes it pages through its filtered rows (the online payments and the outbox each wrote their own)."""

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation


def test_the_pager_keeps_the_filters_and_changes_only_the_page():
    request = RequestFactory().get("/x/", {"status": "paid", "gateway": "paytrail", "page": "2"})
    page = Paginator(list(range(30)), 10).get_page(2)
    with translation.override("en"):
        html = render_to_string("web/_pager.html", {"page": page}, request=request)
    assert 'href="?status=paid&amp;gateway=paytrail&amp;page=1"' in html
    assert 'href="?status=paid&amp;gateway=paytrail&amp;page=3"' in html
    assert "Page 2 of 3" in html
