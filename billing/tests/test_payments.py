"""Payments: consecutive receipt numbers per organization (also under concurrency), a payer snapshot
that survives erasure, and no payments for a restricted client."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections

from billing.models import Payment
from billing.services import payment_record
from clients.services import client_restrict
from kernel.audit import Actor
from tilli.test import make_client

SYSTEM = Actor.system("test")


@pytest.mark.django_db
def test_a_payment_gets_the_next_receipt_number_and_a_snapshot_of_the_payer(world):
    client = make_client(world.org, street_address="Rantatie 1", postal_code="00100", city="Helsinki",
                         billing_name="Virtanen Oy")
    first = payment_record(organization=world.org, client=client, amount=Decimal("35.00"), method="card",
                           actor=SYSTEM, vat_rate=Decimal("25.5"))
    second = payment_record(organization=world.org, client=client, amount=Decimal("12.50"), method="cash",
                            actor=SYSTEM)
    other_org = payment_record(organization=world.other_org, client=make_client(world.other_org),
                               amount=Decimal("80"), method="transfer", actor=SYSTEM)
    assert (first.receipt_number, second.receipt_number, other_org.receipt_number) == (1, 2, 1)
    assert first.payer_name == "Virtanen Oy" and first.payer_address == "Rantatie 1\n00100 Helsinki"
    assert first.currency == "EUR" and other_org.currency == "PLN"
    with pytest.raises(ValidationError):
        payment_record(organization=world.org, client=client, amount=Decimal("0"), method="card", actor=SYSTEM)
    with pytest.raises(ValidationError):
        payment_record(organization=world.other_org, client=client, amount=Decimal("5"), method="card", actor=SYSTEM)
    client_restrict(client=client, actor=SYSTEM, reason="Disputed")
    with pytest.raises(ValidationError):
        payment_record(organization=world.org, client=client, amount=Decimal("5"), method="card", actor=SYSTEM)


@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_never_share_a_receipt_number(world):
    client = make_client(world.org)
    errors: list[BaseException] = []

    def pay() -> None:
        try:
            payment_record(organization=world.org, client=client, amount=Decimal("10"), method="card", actor=SYSTEM)
        except BaseException as error:
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=pay) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Payment.objects.filter(organization=world.org).values_list("receipt_number", flat=True))
    assert numbers == list(range(1, 9))
