"""Every receipt reaches the fiscal device once, after the sale committed, whatever the device's mood."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.fiscal import reset_recording
from billing.models import FiscalRegistration
from billing.receipts import receipt_html
from billing.sales import RefundLine, TenderInput, sale_refund
from billing.tests.checkout_kit import make_counter, sell
from kernel.events import dispatch
from kernel.models import AuditEvent


@pytest.fixture
def device(settings):
    settings.FISCAL_REGISTER = "recording"
    return reset_recording()


@pytest.mark.django_db
def test_a_sale_and_its_refund_are_registered_once_each(world, device):
    counter = make_counter(world, organization=world.other_org)
    sale = sell(counter)
    dispatch()
    registration = FiscalRegistration.objects.get(sale=sale)
    assert (registration.device, registration.fiscal_number) == ("TEST00000001", "000001")
    assert [r.receipt_number for r in device.receipts] == [sale.receipt_number]
    audited = AuditEvent.objects.filter(organization=world.other_org, object_type__endswith="fiscalregistration")
    assert audited.count() == 1

    credit = sale_refund(sale=sale, lines=[RefundLine(line=sale.lines.get(), quantity=Decimal(1))],
                         tenders=[TenderInput(method="card", amount=sale.total)], actor=counter.actor,
                         reason="returned")
    dispatch()
    dispatch(now=timezone.now() + dt.timedelta(hours=1))
    assert [(r.receipt_number, r.is_return) for r in device.receipts] == [(sale.receipt_number, False),
                                                                         (credit.receipt_number, True)]
    assert FiscalRegistration.objects.filter(organization=world.other_org).count() == 2


@pytest.mark.django_db
def test_an_unreachable_device_does_not_stop_the_sale_and_is_retried(world, device):
    counter = make_counter(world, organization=world.other_org)
    device.offline = True
    sale = sell(counter)
    assert dispatch()["retry"] == 1
    assert not FiscalRegistration.objects.filter(sale=sale).exists()
    device.offline = False
    assert dispatch()["done"] == 0  # not due yet: the event log's backoff
    assert dispatch(now=timezone.now() + dt.timedelta(minutes=2))["done"] == 1
    assert FiscalRegistration.objects.get(sale=sale).fiscal_number == "000001"
    assert 'Paragon fiskalny 000001, kasa TEST00000001' in receipt_html(sale)  # in the seller's language


@pytest.mark.django_db
def test_without_a_device_or_in_finland_nothing_is_registered(world, settings, device):
    sell(make_counter(world))  # a Finnish seller: no fiscal device even where one is configured
    settings.FISCAL_REGISTER = "none"
    sell(make_counter(world, organization=world.other_org))
    dispatch()
    assert not FiscalRegistration.objects.exists() and device.receipts == []
