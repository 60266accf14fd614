"""Anonymous writes: one atomic limit per caller over all of them, a proof of work and caps on bookings.

The concurrency test runs on whichever database the suite runs on: SQLite by default, PostgreSQL
under `make test-postgres` (DATABASE_URL set).
"""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from django.db import connection
from django.test import Client as Browser
from django.urls import reverse

from booking.models import Appointment
from tenancy.models import RateCounter
from tenancy.public_writes import booking_challenge
from tilli.lib.proof_of_work import solve
from tilli.test import make_bookable, with_proof

THREADS, LIMIT = 60, 20
DAY = dt.date.today() + dt.timedelta(days=14 - dt.date.today().weekday())
THROTTLED = "Too many requests"


@pytest.mark.django_db(transaction=True)
def test_sixty_simultaneous_requests_against_a_limit_of_twenty_let_exactly_twenty_through(world, settings):
    settings.PUBLIC_WRITES_PER_IP = LIMIT
    barrier = threading.Barrier(THREADS)
    answers: list[str] = []
    lock = threading.Lock()

    def ask(n: int) -> None:
        browser = Browser(REMOTE_ADDR="198.51.100.7", HTTP_ACCEPT_LANGUAGE="en")
        browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        try:
            barrier.wait()
            response = browser.post(reverse("portal:start", args=[world.org.slug]),
                                    {"email": f"person{n}@example.test"})
            answer = "throttled" if THROTTLED in response.content.decode() else str(response.status_code)
        except Exception as error:  # reported in the assertion below
            answer = f"error: {type(error).__name__}: {error}"
        finally:
            connection.close()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == ["200"] * LIMIT + ["throttled"] * (THREADS - LIMIT), answers
    assert RateCounter.objects.filter(hits=THREADS).count() == 1  # the one counter of this caller saw all 60


def _slots(world, service) -> list[str]:
    """Free starts of the one-hour service an hour apart, so booking one takes no other."""
    starts = [s["start"] for s in Browser().get(f"/api/v1/public/{world.org.slug}/availability"
                                                f"?service={service.pk}&start={DAY}&end={DAY}").json()]
    return starts[::4]


def _api_book(world, service, start, *, email="aino@example.test", ip="203.0.113.5", solved=True, **extra):
    body = {"service_id": service.pk, "start": start, "first_name": "Aino", "last_name": "Aalto", "email": email,
            "phone": "0401112233", **(with_proof(world.org) if solved else {}), **extra}
    return Browser(REMOTE_ADDR=ip).post(f"/api/v1/public/{world.org.slug}/appointments", data=json.dumps(body),
                                        content_type="application/json", headers={"Accept-Language": "en"})


def _form_book(world, service, start, *, ip="203.0.113.5", email="liisa@example.test"):
    browser = Browser(REMOTE_ADDR=ip)
    browser.cookies["django_language"] = "en"
    return browser.post(reverse("public_booking:details", args=[world.org.slug]), {
        "service": service.pk, "staff": "any", "start": start, "first_name": "Liisa", "last_name": "Lahtinen",
        "email": email, "phone": "040 765 4321", **with_proof(world.org)})


def test_the_form_the_api_the_portal_and_the_contact_form_share_one_limit_per_caller(world, settings):
    _, _, service = make_bookable(world.org, world.practitioner)
    slots = _slots(world, service)
    settings.PUBLIC_WRITES_PER_IP = 3
    ip = "203.0.113.9"
    assert _form_book(world, service, slots[0], ip=ip).status_code == 302
    assert _api_book(world, service, slots[1], ip=ip, email="other@example.test").status_code == 201
    assert Browser(REMOTE_ADDR=ip).post(reverse("portal:start", args=[world.org.slug]),
                                        {"email": "x@example.test"}).status_code == 200
    refused = _api_book(world, service, slots[2], ip=ip, email="third@example.test")
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert THROTTLED in _form_book(world, service, slots[3], ip=ip).content.decode()
    assert _api_book(world, service, slots[4], ip="203.0.113.10", email="third@example.test").status_code == 201
    assert Appointment.objects.count() == 3


def test_an_ipv6_caller_is_counted_by_its_64_prefix(world, settings):
    settings.PUBLIC_WRITES_PER_IP = 2
    start = reverse("portal:start", args=[world.org.slug])

    def ask(ip: str) -> bool:
        browser = Browser(REMOTE_ADDR=ip)
        browser.cookies["django_language"] = "en"
        return THROTTLED in browser.post(start, {"email": "x@example.test"}).content.decode()

    assert not ask("2001:db8:1:2::1") and not ask("2001:db8:1:2:ffff::9")
    assert ask("2001:db8:1:2:abcd::77")  # another address of the same /64
    assert not ask("2001:db8:1:3::1")  # the next /64 is someone else


def test_a_booking_without_a_valid_proof_of_work_is_refused(world):
    _, _, service = make_bookable(world.org, world.practitioner)
    start = _slots(world, service)[0]
    missing = _api_book(world, service, start, solved=False)
    assert missing.status_code == 422 and missing.json()["code"] == "proof_invalid"
    challenge = booking_challenge(world.org)
    right = solve(challenge, 16)
    wrong = next(str(n) for n in range(int(right)) if str(n) != right)  # the first solution: all below fail
    other_org = booking_challenge(world.other_org)
    forged = challenge[:-3] + ("AAA" if not challenge.endswith("AAA") else "BBB")
    for attempt in ({"challenge": challenge, "proof": wrong}, {"challenge": other_org, "proof": solve(other_org, 16)},
                    {"challenge": forged, "proof": right}):
        refused = _api_book(world, service, start, solved=False, **attempt)
        assert refused.status_code == 422 and refused.json()["code"] == "proof_invalid"
    unreadable = _api_book(world, service, start, solved=False, challenge="\udc80", proof="\udc80")
    assert unreadable.status_code == 400 and unreadable.json()["code"] == "bad_request"  # not text at all
    assert not Appointment.objects.exists()


def test_a_challenge_is_used_once(world):
    _, _, service = make_bookable(world.org, world.practitioner)
    slots = _slots(world, service)
    proof = with_proof(world.org)
    assert _api_book(world, service, slots[0], solved=False, **proof).status_code == 201
    again = _api_book(world, service, slots[1], solved=False, email="b@example.test", **proof)
    assert again.status_code == 422 and again.json()["code"] == "proof_invalid"


def test_the_booking_page_carries_a_challenge_for_the_script(world):
    _, _, service = make_bookable(world.org, world.practitioner)
    start = _slots(world, service)[0]
    html = Browser().get(reverse("public_booking:details", args=[world.org.slug]),
                         {"service": service.pk, "staff": "any", "start": start}).content.decode()
    assert 'name="challenge"' in html and "data-proof-challenge" in html and 'data-proof-bits="16"' in html
    assert 'name="proof" value=""' in html


def test_one_email_address_cannot_fill_a_day(world, settings):
    _, _, service = make_bookable(world.org, world.practitioner)
    slots = _slots(world, service)
    settings.PUBLIC_BOOKINGS_PER_EMAIL = 3
    answers = [_api_book(world, service, slots[n], ip=f"203.0.113.{20 + n}").status_code for n in range(4)]
    assert answers == [201, 201, 201, 429]
    assert _api_book(world, service, slots[5], ip="203.0.113.40").json()["code"] == "email_limit"
    assert Appointment.objects.count() == 3


def test_an_organization_takes_at_most_its_cap_of_online_bookings_per_hour(world, settings):
    _, _, service = make_bookable(world.org, world.practitioner)
    slots = _slots(world, service)
    settings.PUBLIC_BOOKINGS_PER_ORGANIZATION = 2
    answers = [_api_book(world, service, slots[n], ip=f"203.0.113.{50 + n}", email=f"p{n}@example.test")
               for n in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 429] and answers[2].json()["code"] == "busy"


def test_counters_of_past_windows_are_purged_and_current_ones_kept(db):
    from datetime import timedelta

    from django.utils import timezone

    from tenancy.ratelimit import count, purge_expired

    count("short", 60)
    count("long", 10**9)  # a window that ends decades from now
    assert purge_expired(timezone.now() + timedelta(seconds=61)) == 1
    assert RateCounter.objects.count() == 1
