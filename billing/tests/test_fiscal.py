"""The fiscal register gateway: chosen by a setting; the test double checks and records receipts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from billing import fiscal
from billing.models import Sale, SaleLine, SaleTender
from booking.models import Location

D = Decimal


def _sale(organization, *, lines, tenders):
    location, _created = Location.objects.get_or_create(organization=organization, name="Główna",
                                                       defaults={"time_zone": organization.time_zone})
    number = Sale.objects.filter(organization=organization).count() + 1
    sale = Sale.objects.create(organization=organization, receipt_number=number, location=location, currency="PLN",
                               language="pl", seller_name="Klinika", seller_business_id="5261045122",
                               payer_business_id="7680002466", total=sum(t for *_x, t in lines),
                               discount=sum(d for *_x, d, _t in lines), vat=D("0"), completed_at=timezone.now())
    for position, (name, qty, price, rate, exempt, discount, total) in enumerate(lines, start=1):
        SaleLine.objects.create(organization=organization, sale=sale, position=position, kind="service",
                                description=name, quantity=qty, unit_price=price, discount=discount, total=total,
                                vat_rate=rate, vat_exempt=exempt, vat=D("0"))
    for method, amount in tenders:
        SaleTender.objects.create(organization=organization, sale=sale, method=method, amount=amount)
    return sale


@pytest.mark.django_db
def test_the_setting_chooses_the_gateway(settings, world):
    settings.FISCAL_REGISTER = "none"
    assert isinstance(fiscal.fiscal_gateway(), fiscal.NoFiscalRegister)
    assert fiscal.fiscal_gateway().register(object()).registered is False
    settings.FISCAL_REGISTER = "recording"
    assert fiscal.fiscal_gateway() is fiscal.fiscal_gateway()
    settings.FISCAL_REGISTER = "billing.fiscal.RecordingFiscalRegister"
    assert isinstance(fiscal.fiscal_gateway(), fiscal.RecordingFiscalRegister)
    settings.FISCAL_REGISTER = "billing.fiscal.FiscalResult"
    with pytest.raises(ValueError):
        fiscal.fiscal_gateway()


@pytest.mark.django_db
def test_the_double_registers_a_polish_sale_and_refuses_what_a_device_refuses(settings, world):
    settings.FISCAL_REGISTER = "recording"
    device = fiscal.reset_recording()
    sale = _sale(world.other_org, lines=[("Strzyżenie", D(1), D("123.00"), D("23"), False, D("0"), D("123.00")),
                                         ("Zabieg", D(2), D("50.00"), D("0"), True, D("10.00"), D("90.00"))],
                 tenders=[("card", D("200.00")), ("cash", D("13.00"))])
    result = fiscal.fiscal_gateway().register(sale)
    assert result.registered and result.fiscal_number == "000001" and result.device == device.device
    receipt = device.receipts[0]
    assert [line.ptu for line in receipt.lines] == ["A", "E"] and receipt.total == D("213.00")
    assert receipt.buyer_nip == "7680002466" and receipt.payments == (("card", D("200.00")), ("cash", D("13.00")))
    bad = _sale(world.org, lines=[("Leikkaus", D(1), D("10.00"), D("25.5"), False, D("0"), D("10.00"))],
                tenders=[("cash", D("10.00"))])
    with pytest.raises(fiscal.FiscalError) as error:
        fiscal.fiscal_gateway().register(bad)  # 25.5 % has no PTU letter
    assert error.value.code == "unknown_rate"
    with pytest.raises(fiscal.FiscalError) as error:
        fiscal.check(fiscal.FiscalReceipt(sale_id=1, receipt_number=1, total=D("5"), payments=(), lines=(
            fiscal.FiscalLine(name="x", quantity=D(1), unit_price=D("4"), discount=D(0), total=D("5"), ptu="A"),)))
    assert error.value.code == "line_total"
    device.offline = True
    with pytest.raises(fiscal.FiscalError) as error:
        fiscal.fiscal_gateway().register(sale)
    assert error.value.code == "offline" and len(device.receipts) == 1
