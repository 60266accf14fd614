"""Sales report pages and CSV: the owner and the accountant read them; practitioner and reception do not."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from billing.models import LineKind
from billing.tests.counter_factories import L, T, make_location, make_sale
from web.tests.privacy_helpers import english, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(world):
    location = make_location(world.org)
    make_sale(world.org, location=location, lines=[L("40.00", staff=world.practitioner)], tenders=[T("card", "40")])
    make_sale(world.org, location=location, lines=[L("12.99", vat="13.5", kind=LineKind.PRODUCT,
                                                     description="Shampoo")], tenders=[T("cash", "13")])
    make_sale(world.other_org, location=make_location(world.other_org), lines=[L("777.77", vat="23")],
              tenders=[T("card", "777.77")])


@pytest.mark.parametrize("kind", ["day", "staff", "service", "product", "commission", "liability", "journal"])
def test_the_accountant_reads_every_report(world, client_for, sales, kind):
    accountant = english(client_for(world.accountant))
    response = accountant.get(url(world, "web:sales_reports") + f"?kind={kind}")
    assert response.status_code == 200
    assert "777" not in response.content.decode()


def test_the_csv_of_the_journal_balances_and_names_its_columns(world, client_for, sales):
    today = timezone.localdate().isoformat()
    response = client_for(world.owner).get(url(world, "web:report_csv", kind="journal") + f"?first={today}&last={today}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["entry"] for r in rows} == {"SALES", "ROUNDING", "PAYMENT"}
    paid = sum(float(r["gross"]) for r in rows if r["entry"] == "PAYMENT")
    assert round(paid, 2) == 53.0


def test_practitioner_and_reception_cannot_see_reports(world, client_for, sales):
    for member in (world.practitioner, world.reception):
        client = client_for(member)
        assert client.get(url(world, "web:sales_reports")).status_code == 404
        assert client.get(url(world, "web:report_csv", kind="day")).status_code == 404


def test_a_bad_period_is_refused_with_a_message_not_a_500(world, client_for):
    owner = english(client_for(world.owner))
    response = owner.get(url(world, "web:sales_reports") + "?first=2030-02-01&last=2030-01-01")
    assert response.status_code == 422 and "The end must not be before the start" in response.content.decode()
    assert owner.get(url(world, "web:report_csv", kind="day") + "?first=x&last=y").status_code == 422
    assert owner.get(url(world, "web:report_csv", kind="nope")).status_code == 404
