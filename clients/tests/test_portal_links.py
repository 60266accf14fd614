"""A portal sign-in link is claimed once, even when used twice at the same moment."""

import threading

import pytest
from django.db import connection

from clients.models import PortalLoginToken
from clients.portal import send_login_link, use_login_link
from tilli.test import make_client, make_organization


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_uses_of_one_link_sign_in_once(monkeypatch):
    import clients.portal as portal

    sent: list[str] = []
    monkeypatch.setattr(portal, "_send_link", lambda token_id, token: sent.append(token))
    org = make_organization()
    make_client(org, email="anna@example.test")
    assert send_login_link(organization=org, email="anna@example.test")
    token = sent[0]
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
def test_a_link_of_one_organization_does_not_work_in_another(monkeypatch, django_capture_on_commit_callbacks):
    import clients.portal as portal

    sent: list[str] = []
    monkeypatch.setattr(portal, "_send_link", lambda token_id, token: sent.append(token))
    org, other = make_organization(), make_organization()
    client = make_client(org, email="anna@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        send_login_link(organization=org, email="anna@example.test")
    assert len(sent) == 1
    assert use_login_link(organization=other, token=sent[0]) is None
    assert use_login_link(organization=org, token=sent[0]) == client
