"""One client address for throttles and logs: the N-th X-Forwarded-For entry from the right
with N trusted proxies, never anything the caller wrote."""

import pytest
from django.test import RequestFactory

from tilli.lib.client_ip import client_ip

PROXY = "10.0.0.2"


def _request(forwarded: str | None = None, peer: str = PROXY):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=peer, **headers)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(_request("203.0.113.9", peer="198.51.100.5")) == "198.51.100.5"


def test_behind_one_proxy_the_address_it_appended_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(_request("203.0.113.9")) == "203.0.113.9"


@pytest.mark.parametrize("forged", ["1.2.3.4", "1.2.3.4, 5.6.7.8", "garbage", "  ,  ", "2001:db8::66"])
def test_a_forged_prefix_does_not_change_the_address(settings, forged):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(_request(f"{forged}, 203.0.113.9")) == "203.0.113.9"


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip(_request("1.2.3.4, 203.0.113.9, 10.0.0.1")) == "203.0.113.9"


def test_with_fewer_entries_than_proxies_the_leftmost_trusted_one_is_used(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip(_request("203.0.113.9")) == "203.0.113.9"


def test_a_request_that_skipped_the_proxy_is_known_by_its_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(_request(None, peer="198.51.100.5")) == "198.51.100.5"


@pytest.mark.parametrize(("entry", "expected"), [
    ("203.0.113.9:51234", "203.0.113.9"),
    ("[2001:db8::1]:443", "2001:db8::1"),
    ("2001:DB8:0::1", "2001:db8::1"),
    ("::ffff:203.0.113.9", "203.0.113.9"),
])
def test_addresses_are_normalised(settings, entry, expected):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(_request(entry)) == expected


def test_an_entry_that_is_no_address_falls_back_to_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(_request("1.2.3.4, unknown")) == PROXY


def test_behind_tls_proxy_implies_one_trusted_proxy(tmp_path):
    from tilli.tests.test_settings import manage

    def count(**env: str) -> str:
        code = "from django.conf import settings; print(settings.TRUSTED_PROXY_COUNT)"
        return manage(tmp_path, "shell", "-c", code, **env).stdout.splitlines()[-1]

    assert count(BEHIND_TLS_PROXY="1") == "1"
    assert count() == "0"
    assert count(BEHIND_TLS_PROXY="1", TRUSTED_PROXY_COUNT="2") == "2"
