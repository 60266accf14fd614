"""Ten owners' clicks granting the same practitioner at once: every grant succeeds, one stays open."""

import threading

import pytest
from django.db import connection

from clients.care import care_assignment_grant
from clients.models import CareAssignment
from kernel.audit import Actor, verify
from tenancy.roles import Role
from tilli.test import add_member, make_client, make_organization

ATTEMPTS = 10


@pytest.mark.django_db(transaction=True)
def test_simultaneous_grants_for_one_pair_leave_exactly_one_open_assignment():
    org = make_organization()
    practitioner = add_member(org, Role.PRACTITIONER)
    client = make_client(org)
    barrier = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        try:
            barrier.wait()
            care_assignment_grant(client=client, practitioner=practitioner, actor=Actor.system(f"t{n}"))
            result = "granted"
        except Exception as error:  # reported in the assertion below
            result = f"error: {type(error).__name__}: {error}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["granted"] * ATTEMPTS, outcomes
    rows = CareAssignment.objects.filter(client=client, practitioner=practitioner)
    assert rows.count() == ATTEMPTS and rows.filter(revoked_at=None).count() == 1
    assert verify(org).ok
