"""A portal sign-in link is claimed once, even when used twice at the same moment."""

import threading

import pytest
from django.db import connection

from clients.models import PortalLoginToken
from clients.portal import issue_login_link, use_login_link
from tilli.test import make_client, make_organization


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_uses_of_one_link_sign_in_once():
    org = make_organization()
    make_client(org, email="anna@example.test")
    token = _token(issue_login_link(organization=org, email="anna@example.test"))
    barrier = threading.Barrier(2)
    results: list[object] = []

    def use():
        try:
            barrier.wait()
            results.append(use_login_link(organization=org, token=token))
        finally:
            connection.close()

    threads = [threading.Thread(target=use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r is not None for r in results) == [False, True]
    assert PortalLoginToken.objects.get().used_at is not None


@pytest.mark.django_db
def test_a_link_of_one_organization_does_not_work_in_another():
    org, other = make_organization(), make_organization()
    client = make_client(org, email="anna@example.test")
    token = _token(issue_login_link(organization=org, email="anna@example.test"))
    assert issue_login_link(organization=other, email="anna@example.test") is None
    assert use_login_link(organization=other, token=token) is None
    assert use_login_link(organization=org, token=token) == client


def _token(issued) -> str:
    _client, link = issued
    return link.rstrip("/").rsplit("/", 1)[-1]
