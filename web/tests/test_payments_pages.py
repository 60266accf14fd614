"""Payments on the client page, and the receipts kept restricted after erasure."""

from __future__ import annotations

from decimal import Decimal

from billing.models import Payment
from kernel.models import AuditAction, AuditEvent
from privacy.erasure import erase_client
from tilli.test import legacy_payment as payment_record
from tilli.test import make_client
from web.tests.privacy_helpers import SYSTEM, english, url


def test_reception_records_a_payment_and_sees_it_on_the_client_page(world, client_for):
    anna = make_client(world.org)
    reception = english(client_for(world.reception))
    response = reception.post(url(world, "web:client_payment_new", client_id=anna.pk), {
        "payment-amount": "45.50", "payment-method": "card", "payment-vat_rate": "25.5",
        "payment-description": "Haircut"})
    assert response.status_code == 302
    payment = Payment.objects.for_organization(world.org).get()
    assert payment.amount == Decimal("45.50") and payment.receipt_number == 1 and payment.payer_name
    html = reception.get(url(world, "web:client_detail", client_id=anna.pk)).content.decode()
    assert "45.50" in html and "Haircut" in html


def test_bad_payment_input_is_kept_with_the_error(world, client_for):
    anna = make_client(world.org)
    response = english(client_for(world.reception)).post(url(world, "web:client_payment_new", client_id=anna.pk), {
        "payment-amount": "-3", "payment-method": "card", "payment-vat_rate": "0",
        "payment-description": "Shampoo"})
    html = response.content.decode()
    assert response.status_code == 200 and "Shampoo" in html and "greater than or equal to 0.01" in html
    assert not Payment.objects.exists()


def test_the_accountant_cannot_record_payments(world, client_for):
    anna = make_client(world.org)
    response = client_for(world.accountant).post(url(world, "web:client_payment_new", client_id=anna.pk),
                                                 {"payment-amount": "5", "payment-method": "cash"})
    assert response.status_code == 404 and not Payment.objects.exists()


def test_kept_receipts_are_only_on_the_restricted_page_and_each_view_is_audited(world, client_for):
    anna = make_client(world.org, billing_name="Anna Virtanen")
    payment_record(organization=world.org, client=anna, amount=Decimal("30.00"), method="cash", actor=SYSTEM)
    other = make_client(world.org, first_name="Aino", last_name="Virtala")
    payment_record(organization=world.org, client=other, amount=Decimal("12.00"), method="card", actor=SYSTEM)
    erase_client(client=anna, actor=SYSTEM)
    accountant = english(client_for(world.accountant))
    response = accountant.get(url(world, "web:restricted_payments"))
    html = response.content.decode()
    assert response.status_code == 200 and "Anna Virtanen" in html and "30.00" in html
    assert "Aino Virtala" not in html and "12.00" not in html
    kept = Payment.objects.for_organization(world.org).get(receipt_number=1)
    assert kept.restricted_until is not None
    assert AuditEvent.objects.for_organization(world.org).filter(
        action=AuditAction.VIEW, object_type="billing.payment", object_id=str(kept.pk),
        subject_ref=anna.subject_ref, actor_user_id=world.accountant.user.pk).exists()
    assert client_for(world.owner).get(url(world, "web:restricted_payments")).status_code == 200


def test_reception_cannot_see_restricted_receipts(world, client_for):
    # The panel answers a missing permission like a missing page (404), so nothing is revealed.
    assert client_for(world.reception).get(url(world, "web:restricted_payments")).status_code == 404
    assert client_for(world.practitioner).get(url(world, "web:restricted_payments")).status_code == 404
