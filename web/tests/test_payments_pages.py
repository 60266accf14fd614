"""Payments on the client page, and the receipts kept restricted after erasure."""

from __future__ import annotations

from decimal import Decimal

from billing.models import Payment
from billing.sales import LineInput, TenderInput
from billing.tests.checkout_kit import make_counter, sell
from kernel.models import AuditAction, AuditEvent
from privacy.erasure import erase_client
from tilli.test import legacy_payment as payment_record
from tilli.test import make_client
from web.tests.privacy_helpers import SYSTEM, english, url


def test_the_client_page_lists_legacy_payments_and_receipts_and_offers_the_checkout(world, client_for):
    anna = make_client(world.org)
    payment_record(organization=world.org, client=anna, amount=Decimal("45.50"), method="card",
                   description="Haircut")  # recorded by hand before the counter
    counter = make_counter(world)
    sale = sell(counter, client=anna, lines=[LineInput(kind="free", description="Hair oil",
                                                       unit_price=Decimal("19.90"), vat_percent=Decimal("25.5"))],
                tenders=[TenderInput(method="card", amount=Decimal("19.90"))])
    assert sale.receipt_number == 2  # the counter continues the legacy numbers
    html = english(client_for(world.reception)).get(url(world, "web:client_detail", client_id=anna.pk)).content.decode()
    assert "45.50" in html and "Haircut" in html and "19.90" in html and "Hair oil" in html
    assert url(world, "web:checkout") + f"?client={anna.pk}" in html
    assert url(world, "web:receipt_detail", sale_id=sale.pk) in html


def test_the_accountant_sees_receipts_but_is_not_offered_the_checkout(world, client_for):
    anna = make_client(world.org)
    html = client_for(world.accountant).get(url(world, "web:client_detail", client_id=anna.pk)).content.decode()
    assert url(world, "web:checkout") not in html


def test_kept_sales_are_on_the_restricted_page_too(world, client_for):
    anna = make_client(world.org, billing_name="Anna Virtanen")
    sale = sell(make_counter(world), client=anna)
    erase_client(client=anna, actor=SYSTEM)
    sale.refresh_from_db()
    assert sale.restricted_until is not None
    accountant = english(client_for(world.accountant))
    html = accountant.get(url(world, "web:restricted_payments")).content.decode()
    assert "Anna Virtanen" in html and "49.00" in html
    assert AuditEvent.objects.for_organization(world.org).filter(
        action=AuditAction.VIEW, object_type="billing.sale", object_id=str(sale.pk), subject_ref=anna.subject_ref,
        actor_user_id=world.accountant.user.pk).exists()
    assert accountant.get(url(world, "web:receipt_detail", sale_id=sale.pk)).status_code == 404
    reception = client_for(world.reception)
    assert "49.00" not in reception.get(url(world, "web:receipts")).content.decode()


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
