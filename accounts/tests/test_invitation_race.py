"""An invitation link submitted twice at the same moment still creates one account."""

import threading

import pytest
from django.db import connection
from django.test import Client

from accounts.models import Invitation, User
from accounts.tests.conftest import accept_path, mail_text
from tenancy.models import Membership
from tenancy.roles import Role

EMAIL = "new.person@example.test"


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_acceptances_create_one_account(world, invite):
    _response, message = invite(world.owner, EMAIL, Role.RECEPTION)
    link = accept_path(mail_text(message)[1])
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def accept(first_name: str) -> None:
        try:
            barrier.wait()
            response = Client().post(link, {"first_name": first_name, "last_name": "Virtanen",
                                            "password": "Revontulet-ja-pakkanen-42",
                                            "password_again": "Revontulet-ja-pakkanen-42"})
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(name,)) for name in ("Aino", "Eino")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # One joins; the other is told the invitation is no longer valid (the form page or, if it
    # arrived after the first had finished, the invalid-link page).
    assert sorted(statuses) in ([200, 302], [302, 404])
    assert User.objects.filter(email=EMAIL).count() == 1
    assert Membership.objects.filter(organization=world.org, user__email=EMAIL).count() == 1
    assert Invitation.objects.get().accepted_at is not None
