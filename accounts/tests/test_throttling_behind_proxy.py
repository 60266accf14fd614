"""Behind the TLS proxy every request arrives from the proxy's address; sign-in throttling, the
security log and the session list must count the caller the proxy saw, not the proxy."""

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.models import SecurityEvent, SecurityEventKind
from accounts.tests.conftest import sign_in
from tilli.test import PASSWORD, UserFactory

PROXY = "10.0.0.2"
ATTACKER = "198.51.100.66"
VICTIM = "203.0.113.7"
WRONG = "not-the-password-at-all"


@pytest.fixture(autouse=True)
def _behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def _via_proxy(real_ip: str, forged: str = "") -> dict:
    """What the proxy passes on: its own address as the peer, the caller's appended to the header."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{forged}, {real_ip}" if forged else real_ip}


def _too_many(response) -> bool:
    return response.status_code == 200 and "Too many failed login attempts" in " ".join(
        response.context["form"].non_field_errors())


def test_an_attacker_rotating_forwarded_headers_cannot_lock_out_another_address(world):
    # Ten failures a minute per address; the attacker spreads them over many accounts and forged headers.
    for n in range(12):
        sign_in(Client(), UserFactory().email, WRONG, **_via_proxy(ATTACKER, forged=f"192.0.2.{n}"))

    attacker = sign_in(Client(), UserFactory().email, WRONG, **_via_proxy(ATTACKER, forged="192.0.2.200"))
    victim = Client()
    response = sign_in(victim, world.practitioner.user.email, PASSWORD, **_via_proxy(VICTIM))

    assert _too_many(attacker)  # the attacker's own address is counted, forged prefixes or not
    assert response.status_code == 302
    assert victim.session[SESSION_KEY] == str(world.practitioner.user.pk)


def test_the_security_log_and_session_list_record_the_callers_address(world):
    client = Client()
    sign_in(client, world.practitioner.user.email, PASSWORD, **_via_proxy(VICTIM, forged="192.0.2.1"))
    sign_in(Client(), world.reception.user.email, WRONG, **_via_proxy(ATTACKER, forged="192.0.2.2"))

    assert SecurityEvent.objects.get(kind=SecurityEventKind.SIGN_IN).ip == VICTIM
    assert SecurityEvent.objects.get(kind=SecurityEventKind.SIGN_IN_FAILED).ip == ATTACKER
    assert UserSession.objects.get(user=world.practitioner.user).ip == VICTIM


def test_without_a_trusted_proxy_a_forged_header_is_not_believed(world, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(10):
        sign_in(Client(), UserFactory().email, WRONG, REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    response = sign_in(Client(), world.practitioner.user.email, PASSWORD, REMOTE_ADDR=ATTACKER,
                       HTTP_X_FORWARDED_FOR=VICTIM)

    assert _too_many(response)
