"""Invoices: billing details, issuing to persons and companies, credit notes, payment, reminders, numbers."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from billing import invoicing
from billing.invoice_pdf import barcode_digits, vat_breakdown
from billing.invoicing import LineInput, billing_profile_save, invoice_create, invoice_credit, invoice_mark_paid
from billing.models import Invoice, InvoiceKind, InvoiceStatus, Product
from billing.reference import is_valid_national
from kernel.audit import Actor
from kernel.models import AuditEvent
from notify.delivery import deliver
from notify.invoice_mail import REMINDER_KIND
from notify.models import Message
from tilli.test import make_client, worker_after

ACTOR = Actor.system("test")
D = Decimal
FI_IBAN, FI_BIC = "FI79 4405 2020 0360 82", "OKOYFIHH"
PL_IBAN = "PL61109010140000071219812874"


def fi_setup(world, **extra):
    billing_profile_save(organization=world.org, actor=ACTOR, iban=FI_IBAN, bic=FI_BIC, vat_id="FI23456780",
                         payment_terms_days=14, penalty_interest=D("11.5"),
                         exemption_basis="AVL 34 § (terveyden- ja sairaanhoito)", **extra)
    company = make_client(world.org, kind="company", company_name="Yritys Oy", business_id="0112038-9",
                          first_name="", last_name="", email="laskut@yritys.test")
    person = make_client(world.org, first_name="Aino", last_name="Aalto", company=company,
                         email="aino@yritys.test")
    return company, person


def massage(**extra):
    return LineInput(description="Hieronta 60 min", quantity=D("2"), unit_price=D("62.75"),
                     vat_percent=D("25.5"), **extra)


@pytest.mark.django_db
def test_billing_details_are_checked_and_kept_compact(world):
    with pytest.raises(ValidationError) as error:
        billing_profile_save(organization=world.org, actor=ACTOR, iban="FI79 4405 2020 0360 83", bic="XX",
                             vat_id="FI12345678")
    assert set(error.value.message_dict) == {"iban", "bic", "vat_id"}
    profile = billing_profile_save(organization=world.org, actor=ACTOR, iban="fi79 4405 2020 0360 82",
                                   bic="okoy fihh", vat_id="2345678-0")
    assert (profile.iban, profile.bic, profile.vat_id) == ("FI7944052020036082", "OKOYFIHH", "FI23456780")
    pl = billing_profile_save(organization=world.other_org, actor=ACTOR, iban=PL_IBAN, vat_id="526-104-51-22")
    assert pl.vat_id == "5261045122"
    assert AuditEvent.objects.filter(organization=world.org, object_type="billing.billingprofile").count() == 1


@pytest.mark.django_db
def test_an_invoice_to_a_company_with_a_contact_person(world):
    company, person = fi_setup(world)
    invoice = invoice_create(organization=world.org, actor=ACTOR, client=company, contact_person=person,
                             lines=[massage(), LineInput(description="Kela-korvattava fysioterapia",
                                                         quantity=D("1"), unit_price=D("80"), vat_percent=D("0"))],
                             buyer_reference="PO-778", issue_date=timezone.localdate())
    assert (invoice.number, invoice.year) == (1, timezone.localdate().year)
    assert invoice.total == D("205.50") and invoice.vat == D("25.50")
    assert invoice.due_date == invoice.issue_date + dt.timedelta(days=14)
    assert invoice.reference == f"{invoice.year}001" + invoice.reference[-1] and is_valid_national(invoice.reference)
    assert invoice.buyer_name == "Yritys Oy" and invoice.buyer_vat_id == "FI01120389"
    assert invoice.buyer_email == "aino@yritys.test" and invoice.penalty_interest == D("11.5")
    assert invoice.exemption_basis.startswith("AVL 34")
    rows = vat_breakdown(invoice)
    assert [(r.code, r.net, r.vat, r.gross) for r in rows] == [("25.5", D("100.00"), D("25.50"), D("125.50")),
                                                              ("0", D("80.00"), D("0.00"), D("80.00"))]
    digits = barcode_digits(invoice)
    assert digits.startswith("47944052020036082000205500000") and digits.endswith(
        invoice.due_date.strftime("%y%m%d"))
    assert digits[28:48] == invoice.reference.rjust(20, "0")
    second = invoice_create(organization=world.org, actor=ACTOR, client=person, lines=[massage()])
    assert second.number == 2 and second.buyer_vat_id == "" and second.buyer_name == "Aino Aalto"
    assert AuditEvent.objects.filter(object_type="billing.invoice", action="create").count() == 2


@pytest.mark.django_db
def test_a_polish_invoice_is_written_net_with_an_exempt_line(world):
    billing_profile_save(organization=world.other_org, actor=ACTOR, iban=PL_IBAN, vat_id="5261045122",
                         exemption_basis="art. 43 ust. 1 pkt 18 ustawy o VAT")
    firma = make_client(world.other_org, kind="company", company_name="Firma sp. z o.o.",
                        business_id="7680002466", first_name="", last_name="")
    invoice = invoice_create(organization=world.other_org, actor=ACTOR, client=firma, lines=[
        LineInput(description="Strzyżenie", quantity=D("1"), unit_price=D("100.00"), vat_percent=D("23"),
                  price_includes_vat=False),
        LineInput(description="Zabieg rehabilitacyjny", quantity=D("1"), unit_price=D("150"), vat_percent=D("0"),
                  exempt=True, price_includes_vat=False)])
    assert invoice.currency == "PLN" and invoice.language == "pl" and invoice.buyer_vat_id == "7680002466"
    rows = vat_breakdown(invoice)
    assert [(r.code, r.net, r.vat, r.gross) for r in rows] == [("23", D("100.00"), D("23.00"), D("123.00")),
                                                              ("zw", D("150.00"), D("0.00"), D("150.00"))]
    assert invoice.exemption_basis.startswith("art. 43") and barcode_digits(invoice) == ""


@pytest.mark.django_db
def test_what_an_invoice_refuses(world):
    company, person = fi_setup(world)
    with pytest.raises(ValidationError) as error:
        invoice_create(organization=world.org, actor=ACTOR, client=company, lines=[
            LineInput(description="x", quantity=D("1"), unit_price=D("10"), vat_percent=D("24"))])
    assert error.value.error_dict["lines"][0].code == "vat"  # 24 % is no longer in force
    with pytest.raises(ValidationError):
        invoice_create(organization=world.org, actor=ACTOR, client=company, lines=[])
    with pytest.raises(ValidationError):  # a person is not a contact person of a person
        invoice_create(organization=world.org, actor=ACTOR, client=person, contact_person=company,
                       lines=[massage()])
    stranger = make_client(world.other_org)
    with pytest.raises(ValidationError):
        invoice_create(organization=world.org, actor=ACTOR, client=stranger, lines=[massage()])
    with pytest.raises(ValidationError) as error:  # no bank account yet
        invoice_create(organization=world.other_org, actor=ACTOR, client=stranger, lines=[massage()])
    assert error.value.code == "no_bank_account"
    assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_a_credit_note_mirrors_the_invoice_and_products_come_back(world):
    company, _person = fi_setup(world)
    product = Product.objects.create(organization=world.org, name="Shampoo", price=D("20"), vat_rate=D("25.5"),
                                     stock=5)
    invoice = invoice_create(organization=world.org, actor=ACTOR, client=company, lines=[
        massage(), LineInput(description="Shampoo", quantity=D("2"), unit_price=D("20"), vat_percent=D("25.5"),
                             product_id=product.pk)])
    product.refresh_from_db()
    assert product.stock == 3
    credit = invoice_credit(organization=world.org, actor=ACTOR, invoice=invoice, reason="Väärä asiakas")
    invoice.refresh_from_db()
    product.refresh_from_db()
    assert product.stock == 5 and invoice.status == InvoiceStatus.CREDITED
    assert credit.kind == InvoiceKind.CREDIT_NOTE and credit.credits == invoice and credit.number == 2
    assert credit.total == -invoice.total and credit.vat == -invoice.vat and credit.status == InvoiceStatus.PAID
    assert [line.total for line in credit.lines.all()] == [-line.total for line in invoice.lines.all()]
    assert barcode_digits(credit) == ""
    with pytest.raises(ValidationError):
        invoice_credit(organization=world.org, actor=ACTOR, invoice=invoice, reason="again")
    with pytest.raises(ValidationError):
        invoice_mark_paid(organization=world.org, actor=ACTOR, invoice=invoice, paid_on=timezone.localdate())


@pytest.mark.django_db
def test_paid_overdue_and_reminders_through_the_outbox(world, smtp_server, settings):
    company, person = fi_setup(world)
    today = timezone.localdate()
    late = invoice_create(organization=world.org, actor=ACTOR, client=company, contact_person=person,
                          lines=[massage()], issue_date=today - dt.timedelta(days=30))
    paid = invoice_create(organization=world.org, actor=ACTOR, client=person, lines=[massage()],
                          issue_date=today - dt.timedelta(days=30))
    current = invoice_create(organization=world.org, actor=ACTOR, client=person, lines=[massage()])
    with pytest.raises(ValidationError):
        invoice_mark_paid(organization=world.org, actor=ACTOR, invoice=paid, paid_on=today + dt.timedelta(days=1))
    invoice_mark_paid(organization=world.org, actor=ACTOR, invoice=paid, paid_on=today)
    assert list(invoicing.overdue(world.org)) == [late]
    assert not invoicing.overdue(world.other_org).exists()
    with pytest.raises(ValidationError):
        invoicing.invoice_remind(organization=world.org, actor=ACTOR, invoice=current)
    with pytest.raises(ValidationError):
        invoicing.invoice_remind(organization=world.org, actor=ACTOR, invoice=late, fee=D("-1"))
    with worker_after():
        invoicing.invoice_remind(organization=world.org, actor=ACTOR, invoice=late, fee=D("5.00"))
    with worker_after():
        invoicing.invoice_remind(organization=world.org, actor=ACTOR, invoice=late)
    late.refresh_from_db()
    assert late.reminders_sent == 2 and late.reminder_fees == D("5.00")
    messages = list(Message.objects.filter(kind=REMINDER_KIND).order_by("pk"))
    assert len(messages) == 2
    message = messages[1]
    assert message.language == "fi" and "Maksumuistutus" in message.subject
    assert "130,50" in message.body and late.reference[-4:] in message.body.replace(" ", "")
    assert barcode_digits(late, overdue=True) in message.body  # with the fee, without the passed due date
    assert barcode_digits(late, overdue=True).endswith("000000")
    deliver()
    mails = smtp_server.wait_for(2)
    assert {m["To"] for m in mails} == {"aino@yritys.test"}


@pytest.mark.django_db(transaction=True)
def test_parallel_invoices_get_gapless_numbers(world):
    """Eight threads issue invoices at once (SQLite here; PostgreSQL with bin/with-postgres)."""
    company, _person = fi_setup(world)
    threads_n = 8
    barrier = threading.Barrier(threads_n)
    errors: list[str] = []

    def issue() -> None:
        try:
            barrier.wait()
            for _i in range(3):
                for _attempt in range(50):
                    try:
                        invoice_create(organization=world.org, actor=ACTOR, client=company, lines=[massage()])
                        break
                    except Exception as error:  # SQLite: "database is locked" -> try again
                        if "locked" not in str(error):
                            raise
        except Exception as error:  # reported below
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _i in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Invoice.objects.filter(organization=world.org).values_list("number", flat=True))
    assert numbers == list(range(1, threads_n * 3 + 1))


@pytest.mark.django_db
def test_an_invoice_of_a_receipt_copies_its_lines(world):
    from billing.tests.test_fiscal import _sale

    company, person = fi_setup(world)
    paid = _sale(world.org, lines=[("Hieronta", D(1), D("62.75"), D("25.5"), False, D("2.75"), D("60.00"))],
                 tenders=[("card", D("60.00"))])
    SaleLine = paid.lines.model
    SaleLine.objects.filter(sale=paid).update(vat=D("12.19"))
    type(paid).objects.filter(pk=paid.pk).update(vat=D("12.19"), client=person)
    with pytest.raises(ValidationError) as error:
        invoicing.invoice_from_sale(organization=world.other_org, actor=ACTOR, sale=paid, client=company)
    invoice = invoicing.invoice_from_sale(organization=world.org, actor=ACTOR, sale=paid, client=company,
                                          contact_person=person)
    assert invoice.status == InvoiceStatus.PAID and invoice.total == D("60.00") and invoice.vat == D("12.19")
    assert invoice.sale_id == paid.pk and invoice.buyer_name == "Yritys Oy" and barcode_digits(invoice) == ""
    line = invoice.lines.get()
    assert (line.description, line.discount, line.total, line.vat) == ("Hieronta", D("2.75"), D("60.00"), D("12.19"))
    with pytest.raises(ValidationError) as error:
        invoicing.invoice_from_sale(organization=world.org, actor=ACTOR, sale=paid, client=company)
    assert error.value.code == "invoiced"
    later = _sale(world.org, lines=[("Hieronta", D(1), D("62.75"), D("25.5"), False, D("0"), D("62.75"))],
                  tenders=[("transfer", D("62.75"))])
    open_invoice = invoicing.invoice_from_sale(organization=world.org, actor=ACTOR, sale=later, client=person)
    assert open_invoice.status == InvoiceStatus.OPEN and open_invoice.due_date > open_invoice.issue_date
    assert barcode_digits(open_invoice)
