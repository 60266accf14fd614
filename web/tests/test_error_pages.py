"""Error pages say what happened in the user's language and show no personal data."""

from django.test import Client


def test_not_found_is_a_styled_page_without_details(world, client_for):
    client = client_for(world.owner)
    client.cookies["django_language"] = "en"
    response = client.get(f"/o/{world.other_org.slug}/staff/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert world.other_org.name not in html and world.outsider.user.email not in html


def test_anonymous_not_found_page_renders(db):
    response = Client(raise_request_exception=False).get("/no-such-page/")
    assert response.status_code == 404
    assert b"tilli.css" in response.content
