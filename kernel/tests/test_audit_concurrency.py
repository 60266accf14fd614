"""Concurrent writers from real threads still produce one unbroken chain per organization."""

import threading

import pytest
from django.db import close_old_connections, connection

from kernel.audit import Actor, record, verify
from kernel.models import AuditAction, AuditEvent
from tilli.test import make_organization

THREADS, PER_THREAD = 6, 15


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_never_share_a_sequence_number_or_break_the_chain():
    org = make_organization()
    start = AuditEvent.objects.for_organization(org).count()
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(PER_THREAD):
                record(organization=org, actor=Actor(kind="user", user_id=n, role="reception"),
                       action=AuditAction.VIEW, object_type="clients.client", object_id=f"{n}-{i}")
        except BaseException as error:  # reported below; a thread cannot raise into the test
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(AuditEvent.objects.for_organization(org).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, start + THREADS * PER_THREAD + 1))
    result = verify(org)
    assert result.ok, result.problems
