"""The security log: what is written for security changes, what is shown, and to whom."""

from django.test import Client
from django.urls import reverse

from accounts.models import SecurityEvent, SecurityEventKind
from accounts.tests.conftest import sign_in
from tilli.test import PASSWORD

NEW_PASSWORD = "Uusi-salasana-syksylla-77"


def _signed_in(user, **headers) -> Client:
    client = Client(**headers)
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    return client


def test_changing_the_password_is_logged(world, django_capture_on_commit_callbacks):
    user = world.practitioner.user
    client = _signed_in(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_change_password"), {
            "oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEventKind.PASSWORD_CHANGED).count() == 1


def test_a_forged_forwarded_for_header_does_not_change_the_logged_ip(world):
    client = Client(REMOTE_ADDR="198.51.100.5", HTTP_X_FORWARDED_FOR="10.9.9.9")

    sign_in(client, world.practitioner.user.email, PASSWORD)

    assert SecurityEvent.objects.get(kind=SecurityEventKind.SIGN_IN).ip == "198.51.100.5"


def test_a_very_long_browser_name_is_cut_to_fit(world):
    sign_in(Client(HTTP_USER_AGENT="x" * 1000), world.practitioner.user.email, PASSWORD)

    assert SecurityEvent.objects.get(kind=SecurityEventKind.SIGN_IN).user_agent == "x" * 300


def test_the_security_page_shows_the_persons_own_events_only(world):
    mine = _signed_in(world.practitioner.user, HTTP_USER_AGENT="MyBrowser/1")
    _signed_in(world.reception.user, HTTP_USER_AGENT="TheirBrowser/1")

    response = mine.get(reverse("web:account_security"))

    assert response.status_code == 200
    events = list(response.context["page"].object_list)
    assert events
    assert {event.user_id for event in events} == {world.practitioner.user.pk}
    html = response.content.decode()
    assert "MyBrowser/1" in html
    assert "TheirBrowser" not in html


def test_the_security_page_needs_sign_in(db):
    response = Client().get(reverse("web:account_security"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
