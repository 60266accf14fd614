"""The client portal: one-time links by email, everything the register holds, corrections,
marketing choices, the access log, and no way into another organization's data."""

import re

import pytest
from django.core.cache import cache
from django.test import Client as Browser
from django.urls import reverse

from clients.models import PortalLoginToken
from clients.services import marketing_allowed
from kernel.models import ActorKind, AuditAction, AuditEvent
from tilli.test import make_client, run_worker

pytestmark = pytest.mark.django_db(transaction=True)  # the task worker runs as in production


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anna(world):
    return make_client(world.org, email="anna@example.test", phone="0401234567", preferred_language="en")


def request_link(browser, world, smtp_server, email="anna@example.test", django_capture_on_commit_callbacks=None):
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(reverse("portal:start", args=[world.org.slug]), {"email": email})
    assert response.status_code == 200
    run_worker()  # the link is looked up, issued and mailed by the worker, never in the request
    return response


def signed_in(world, smtp_server, capture) -> Browser:
    browser = Browser()
    request_link(browser, world, smtp_server, django_capture_on_commit_callbacks=capture)
    message = smtp_server.wait_for(1)[-1]
    path = re.search(r"http://[^/]+(/p/\S+)", message.get_payload(decode=True).decode()).group(1)
    assert browser.get(path).status_code == 200
    assert browser.post(path).status_code == 302
    return browser


def test_a_client_signs_in_with_a_one_time_link_and_sees_their_data(world, anna, smtp_server,
                                                                   django_capture_on_commit_callbacks):
    browser = signed_in(world, smtp_server, django_capture_on_commit_callbacks)
    message = smtp_server.messages[-1]
    assert message["To"] == "anna@example.test" and world.org.name in message["Subject"]
    html = browser.get(reverse("portal:home", args=[world.org.slug])).content.decode()
    assert "+358401234567" in html and "anna@example.test" in html
    view = AuditEvent.objects.for_organization(world.org).filter(subject_ref=anna.subject_ref).order_by("-seq")[0]
    assert view.action == AuditAction.VIEW and view.actor_kind == ActorKind.CLIENT


def test_a_link_works_once_and_its_token_is_stored_hashed(world, anna, smtp_server,
                                                          django_capture_on_commit_callbacks):
    browser = Browser()
    request_link(browser, world, smtp_server, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    path = re.search(r"http://[^/]+(/p/\S+)", smtp_server.wait_for(1)[-1].get_payload(decode=True).decode()).group(1)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    assert not PortalLoginToken.objects.filter(token_hash=token).exists()
    assert browser.post(path).status_code == 302
    assert Browser().post(path).status_code == 404
    assert Browser().get(path).status_code == 404


def test_an_unknown_address_gets_the_same_answer_and_no_mail(world, anna, smtp_server,
                                                             django_capture_on_commit_callbacks):
    known = request_link(Browser(), world, smtp_server, django_capture_on_commit_callbacks=
                         django_capture_on_commit_callbacks).content.decode()
    smtp_server.wait_for(1)
    unknown = request_link(Browser(), world, smtp_server, "nobody@example.test",
                           django_capture_on_commit_callbacks=django_capture_on_commit_callbacks).content.decode()
    strip = lambda html: re.sub(r'(value|nonce)="[^"]+"', "", html)  # noqa: E731 (per-request tokens differ)
    assert strip(known) == strip(unknown)
    assert len(smtp_server.messages) == 1


def test_link_requests_are_limited(world, anna, smtp_server, django_capture_on_commit_callbacks):
    browser = Browser()
    browser.cookies["django_language"] = "en"
    for _ in range(3):
        request_link(browser, world, smtp_server, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    response = request_link(browser, world, smtp_server,
                            django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert "Too many requests" in response.content.decode()
    assert PortalLoginToken.objects.filter(client=anna).count() == 3


def test_the_client_corrects_contact_data_and_bad_input_loses_nothing(world, anna, smtp_server,
                                                                      django_capture_on_commit_callbacks):
    browser = signed_in(world, smtp_server, django_capture_on_commit_callbacks)
    url = reverse("portal:contact", args=[world.org.slug])
    data = {"first_name": "Anna", "last_name": "Virtanen-Koski", "email": "anna@example.test", "phone": "12",
            "city": "Turku", "preferred_language": "en"}
    response = browser.post(url, data)
    assert response.status_code == 200 and 'value="Virtanen-Koski"' in response.content.decode()
    anna.refresh_from_db()
    assert anna.last_name == "Virtanen"
    response = browser.post(url, {**data, "phone": "040 999 8877"})
    assert response.status_code == 302
    anna.refresh_from_db()
    assert (anna.last_name, anna.phone, anna.city) == ("Virtanen-Koski", "+358409998877", "Turku")
    change = AuditEvent.objects.for_organization(world.org).filter(action=AuditAction.UPDATE).order_by("-seq")[0]
    assert change.actor_kind == ActorKind.CLIENT and change.changed_fields == ["city", "last_name", "phone"]


def test_the_client_sets_marketing_permission_per_channel(world, anna, smtp_server,
                                                          django_capture_on_commit_callbacks):
    browser = signed_in(world, smtp_server, django_capture_on_commit_callbacks)
    url = reverse("portal:marketing", args=[world.org.slug])
    browser.post(url, {"channel": "email", "granted": "1"})
    assert marketing_allowed(anna, "email") and not marketing_allowed(anna, "sms")
    browser.post(url, {"channel": "email", "granted": "0"})
    assert not marketing_allowed(anna, "email")


def test_the_portal_shows_who_viewed_the_client(world, anna, smtp_server, django_capture_on_commit_callbacks,
                                                client_for):
    client_for(world.reception).get(reverse("web:client_detail", args=[world.org.slug, anna.pk]))
    browser = signed_in(world, smtp_server, django_capture_on_commit_callbacks)
    html = browser.get(reverse("portal:home", args=[world.org.slug])).content.decode()
    assert world.reception.user.get_full_name() in html


def test_the_portal_speaks_the_organizations_language_until_the_client_has_one(world, anna):
    html = Browser().get(reverse("portal:start", args=[world.other_org.slug])).content.decode()
    assert '<html lang="pl">' in html


def test_a_portal_session_opens_nothing_in_another_organization(world, anna, smtp_server,
                                                                django_capture_on_commit_callbacks):
    make_client(world.other_org, email="anna@example.test", first_name="Anna", last_name="Obca")
    browser = signed_in(world, smtp_server, django_capture_on_commit_callbacks)
    for name in ("portal:home", "portal:contact"):
        response = browser.get(reverse(name, args=[world.other_org.slug]))
        assert response.status_code == 302 and response["Location"] == reverse("portal:start",
                                                                               args=[world.other_org.slug])
    response = browser.post(reverse("portal:marketing", args=[world.other_org.slug]), {"channel": "sms",
                                                                                        "granted": "1"})
    assert response.status_code == 302
    assert "Obca" not in browser.get(reverse("portal:home", args=[world.org.slug])).content.decode()


def test_signing_out_ends_the_portal_session(world, anna, smtp_server, django_capture_on_commit_callbacks):
    browser = signed_in(world, smtp_server, django_capture_on_commit_callbacks)
    browser.post(reverse("portal:sign_out", args=[world.org.slug]))
    assert browser.get(reverse("portal:home", args=[world.org.slug])).status_code == 302


def test_a_client_sets_a_password_and_signs_in_with_it(world, anna, smtp_server, django_capture_on_commit_callbacks):
    browser = signed_in(world, smtp_server, django_capture_on_commit_callbacks)
    url = reverse("portal:password", args=[world.org.slug])
    assert browser.post(url, {"password": "short", "password_again": "short"}).status_code == 200
    response = browser.post(url, {"password": "kevät-aurinko-2026!", "password_again": "kevät-aurinko-2026!"})
    assert response.status_code == 302
    anna.refresh_from_db()
    assert anna.portal_password and "kevät" not in anna.portal_password
    start = reverse("portal:start", args=[world.org.slug])
    stranger = Browser()
    stranger.cookies["django_language"] = "en"
    wrong = stranger.post(start, {"mode": "password", "pw-email": "anna@example.test", "pw-password": "nope-nope-1"})
    assert "not right" in wrong.content.decode()
    right = stranger.post(start, {"mode": "password", "pw-email": "ANNA@example.test",
                                  "pw-password": "kevät-aurinko-2026!"})
    assert right.status_code == 302 and right["Location"] == reverse("portal:home", args=[world.org.slug])
    anna.refresh_from_db()
    assert anna.portal_last_login is not None


def test_password_guessing_is_limited(world, anna):
    from clients.portal import set_portal_password
    from kernel.audit import Actor

    set_portal_password(client=anna, password="kevät-aurinko-2026!", actor=Actor.system("t"))
    browser = Browser()
    browser.cookies["django_language"] = "en"
    start = reverse("portal:start", args=[world.org.slug])
    for _ in range(5):
        browser.post(start, {"mode": "password", "pw-email": "anna@example.test", "pw-password": "wrong-guess-1"})
    blocked = browser.post(start, {"mode": "password", "pw-email": "anna@example.test",
                                   "pw-password": "kevät-aurinko-2026!"})
    assert "Too many requests" in blocked.content.decode()
