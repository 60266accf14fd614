"""The checkout page: from an appointment or a walk-in, split payment, the receipt page, PDF, email, refund."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from billing.models import Sale, SaleKind, Voucher
from billing.sales import LineInput, TenderInput
from billing.tests.checkout_kit import make_counter, open_session, sell
from kernel.events import dispatch
from notify.models import Message
from tilli.test import book_appointment, make_client
from web.tests.privacy_helpers import english, url

pytestmark = pytest.mark.django_db


def post_checkout(client, world, data, **query):
    target = url(world, "web:checkout") + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    return client.post(target, data)


def basket(**extra):
    data = {"lines": "1", "l0-kind": "service", "l0-quantity": "1", "tenders": "2",
            "t0-method": "card", "t0-amount": "40.00", "t1-method": "cash", "t1-amount": "20.00"}
    data.update(extra)
    return data


def test_checkout_of_an_appointment_is_prefilled_and_completes_it(world, client_for):
    anna = make_client(world.org, email="anna@example.test")
    appointment = book_appointment(world.org, world.practitioner, anna)
    open_session(world.org, appointment.location)
    reception = english(client_for(world.reception))
    page = reception.get(url(world, "web:checkout") + f"?appointment={appointment.pk}")
    html = page.content.decode()
    assert page.status_code == 200 and appointment.service.name in html and "Anna Virtanen" in html
    assert not Sale.objects.exists()  # a GET never writes
    response = reception.post(url(world, "web:checkout"), basket(**{
        "appointment": appointment.pk, "client": anna.pk, "l0-ref": appointment.service_id,
        "l0-price": "49.00", "email_to": "anna@example.test", "action": "complete"}))
    sale = Sale.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/counter/receipts/{sale.pk}/")
    assert (sale.total, sale.change, sale.client, sale.appointment) == (Decimal("49.00"), Decimal("11.00"), anna,
                                                                        appointment)
    dispatch()
    appointment.refresh_from_db()
    assert appointment.state == "completed"
    mail = Message.objects.get(kind="receipt")
    assert mail.recipient == "anna@example.test" and "49,00 EUR" in mail.body
    receipt = reception.get(response["Location"]).content.decode()
    assert "Receipt 1" in receipt and world.org.business_id in receipt and "11.00" in receipt


def test_the_live_totals_show_what_is_left_and_the_change(world, client_for):
    counter = make_counter(world)
    reception = english(client_for(world.reception))
    data = basket(**{"l0-ref": counter.service.pk, "t1-amount": "5.00", "action": "preview"})
    html = reception.post(url(world, "web:checkout"), data, headers={"HX-Request": "true"}).content.decode()
    assert 'id="left-to-pay">4.00<' in html  # 49.00 − 40.00 card − 5.00 cash
    data["t1-amount"] = "10.00"
    html = reception.post(url(world, "web:checkout"), data, headers={"HX-Request": "true"}).content.decode()
    assert 'id="left-to-pay">0.00<' in html and 'id="change">1.00<' in html
    assert not Sale.objects.exists()


def test_bad_input_is_shown_in_the_users_language_and_nothing_is_sold(world, client_for):
    counter = make_counter(world)
    reception = client_for(world.reception)
    reception.cookies.load({"django_language": "fi"})
    response = reception.post(url(world, "web:checkout"), basket(**{
        "l0-ref": counter.service.pk, "t0-amount": "abc", "action": "complete"}), HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 422 and not Sale.objects.exists()
    response = english(reception).post(url(world, "web:checkout"), basket(**{
        "l0-ref": counter.service.pk, "t0-amount": "10.00", "t1-amount": "1.00", "action": "complete"}))
    assert response.status_code == 422 and "left to pay" in response.content.decode()


def test_lines_are_added_and_removed_by_the_buttons(world, client_for):
    counter = make_counter(world)
    reception = client_for(world.reception)
    data = {"lines": "0", "tenders": "1", "t0-method": "card", "t0-amount": "",
            "action": f"add_product:{counter.product.pk}"}
    html = reception.post(url(world, "web:checkout"), data).content.decode()
    assert 'name="l0-kind" value="product"' in html and "Shampoo" in html
    found = reception.get(url(world, "web:checkout_products") + "?q=SH-1").content.decode()
    assert f"add_product:{counter.product.pk}" in found


def test_a_gift_card_is_sold_and_redeemed_through_the_page(world, client_for):
    counter = make_counter(world)
    reception = client_for(world.reception)
    response = reception.post(url(world, "web:checkout"), {
        "lines": "1", "l0-kind": "gift_card", "l0-price": "30.00", "l0-description": "",
        "tenders": "1", "t0-method": "card", "t0-amount": "30.00", "action": "complete"})
    assert response.status_code == 302
    card = Voucher.objects.get()
    receipt = reception.get(response["Location"]).content.decode()
    assert url(world, "web:voucher_card", voucher_id=card.pk) in receipt  # print the card with its QR code
    lookup = reception.get(url(world, "web:checkout_card") + f"?t0-code={card.code}").content.decode()
    assert "30" in lookup
    response = reception.post(url(world, "web:checkout"), basket(**{
        "l0-ref": counter.service.pk, "t0-method": "gift_card", "t0-amount": "30.00", "t0-code": card.code,
        "t1-amount": "20.00", "action": "complete"}))
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.balance == 0


def test_receipt_pdf_email_and_refund(world, client_for, tmp_path):
    counter = make_counter(world)
    sale = sell(counter, lines=[LineInput(kind="product", product=counter.product, quantity=Decimal(2))],
                tenders=[TenderInput(method="card", amount=Decimal("25.80"))])
    reception = english(client_for(world.reception))
    pdf = reception.get(url(world, "web:receipt_pdf", sale_id=sale.pk))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    (tmp_path / "r.pdf").write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "25,80" in text and world.org.business_id in text
    shots = Path(settings.BASE_DIR) / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(tmp_path / "r.pdf"),
                    str(shots / "receipt-pdf")],
                   check=True)  # var/screenshots/receipt-pdf.png: looked at by a person
    assert reception.post(url(world, "web:receipt_email", sale_id=sale.pk), {"email_to": "not-an-address"}
                          ).status_code == 302
    assert not Message.objects.filter(kind="receipt").exists()
    reception.post(url(world, "web:receipt_email", sale_id=sale.pk), {"email_to": "me@example.test"})
    dispatch()
    assert Message.objects.get(kind="receipt").recipient == "me@example.test"
    line = sale.lines.get()
    too_many = reception.post(url(world, "web:receipt_refund", sale_id=sale.pk), {
        f"q{line.pk}": "3", "method": "card", "amount": "38.70", "reason": "Allergy"})
    assert too_many.status_code == 422 and Sale.objects.count() == 1
    response = reception.post(url(world, "web:receipt_refund", sale_id=sale.pk), {
        f"q{line.pk}": "1", "method": "card", "amount": "12.90", "reason": "Allergy"})
    credit = Sale.objects.get(kind=SaleKind.CREDIT)
    assert response.status_code == 302 and credit.refers_to == sale and credit.total == Decimal("-12.90")
    listing = reception.get(url(world, "web:receipts") + "?number=2").content.decode()
    assert "Credit" in listing


def test_roles_and_other_organizations(world, client_for):
    counter = make_counter(world)
    sale = sell(counter)
    theirs = make_counter(world, organization=world.other_org)
    their_sale = sell(theirs, lines=[LineInput(kind="service", service=theirs.service)],
                      tenders=[TenderInput(method="card", amount=Decimal("49.00"))])
    accountant = client_for(world.accountant)
    assert accountant.get(url(world, "web:receipt_detail", sale_id=sale.pk)).status_code == 200
    assert accountant.get(url(world, "web:checkout")).status_code == 404
    assert accountant.get(url(world, "web:receipt_refund", sale_id=sale.pk)).status_code == 404
    reception = client_for(world.reception)
    for name in ("web:receipt_detail", "web:receipt_pdf", "web:receipt_refund"):
        assert reception.get(url(world, name, sale_id=their_sale.pk)).status_code == 404
    other_client = make_client(world.other_org)
    assert reception.get(url(world, "web:checkout") + f"?client={other_client.pk}").status_code == 404
    response = reception.post(url(world, "web:checkout"), basket(**{
        "l0-ref": theirs.service.pk, "t1-amount": "10", "action": "complete"}))
    assert response.status_code == 422 and Sale.objects.filter(organization=world.org).count() == 1
    Voucher.objects.create(organization=world.other_org, kind="gift_card", code="AAAA-BBBB-CCCC", currency="PLN",
                           initial_value=10, balance=10, issued_at=sale.completed_at, expires_on="2099-01-01")
    assert "10" not in reception.get(url(world, "web:checkout_card") + "?code=AAAA-BBBB-CCCC").content.decode()
