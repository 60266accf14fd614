"""/api/v1 till, products and reports: roles, other organizations, 422 on bad input, the same services."""

from __future__ import annotations

import pytest

from api.tests.test_api import call
from billing.models import Product, TillSession
from billing.tests.counter_factories import L, T, make_location, make_sale, make_voucher
from kernel.audit import Actor
from kernel.models import ActorKind, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_for():
    from api.services import api_token_create

    return lambda m: api_token_create(membership=m, name="t", actor=Actor.system("t"))[1]


def test_reception_runs_the_till_over_the_api(world, token_for):
    token = token_for(world.reception)
    location = make_location(world.org)
    opened = call("POST", "/till/sessions", token, {"location_id": location.pk, "opening_float": "100.00"})
    assert opened.status_code == 201
    session_id = opened.json()["id"]
    again = call("POST", "/till/sessions", token, {"location_id": location.pk, "opening_float": "0"})
    assert again.status_code == 409 and again.json()["code"] == "till_already_open"
    make_sale(world.org, location=location, session=TillSession.objects.get(pk=session_id), lines=[L("20")],
              tenders=[T("cash", "20")])
    moved = call("POST", f"/till/sessions/{session_id}/cash", token, {"kind": "in", "amount": "5.00",
                                                                       "reason": "Coins"})
    assert moved.status_code == 201 and moved.json()["figures"]["cash"]["expected"] == "125.00"
    closed = call("POST", f"/till/sessions/{session_id}/close", token, {"counted_cash": "125.00"})
    assert closed.status_code == 200
    body = closed.json()
    assert body["z_number"] == 1 and body["difference"] == "0.00" and body["figures"]["z_number"] == 1
    twice = call("POST", f"/till/sessions/{session_id}/close", token, {"counted_cash": "1"})
    assert twice.status_code == 409 and twice.json()["code"] == "till_not_open"
    assert AuditEvent.objects.filter(organization=world.org, object_type="billing.tillsession",
                                     actor_kind=ActorKind.API).count() == 2
    listed = call("GET", "/till/sessions?closed=true", token_for(world.accountant)).json()["items"]
    assert [s["z_number"] for s in listed] == [1]


@pytest.mark.parametrize("body", [
    {"location_id": 1, "opening_float": "-1"}, {"location_id": 1, "opening_float": "1.234"},
    {"location_id": 1, "opening_float": "NaN"}, {"location_id": 0, "opening_float": "1"}, {"opening_float": "1"},
    {"location_id": 1, "opening_float": "1e20"},
])
def test_bad_till_input_is_a_422(world, token_for, body):
    make_location(world.org)
    response = call("POST", "/till/sessions", token_for(world.reception), body)
    assert response.status_code == 422 and response.json()["code"]


def test_roles_practitioner_has_no_till_no_reports_and_reception_no_prices(world, token_for):
    location = make_location(world.org)
    practitioner = token_for(world.practitioner)
    assert call("POST", "/till/sessions", practitioner, {"location_id": location.pk,
                                                         "opening_float": "1"}).status_code == 403
    assert call("GET", "/reports/day", practitioner).status_code == 403
    reception = token_for(world.reception)
    assert call("GET", "/reports/day", reception).status_code == 403
    assert call("POST", "/products", reception, {"name": "x", "price": "1", "vat_rate": "25.5"}).status_code == 403
    accountant = token_for(world.accountant)
    assert call("GET", "/reports/journal", accountant).status_code == 200
    assert call("POST", "/till/sessions", accountant, {"location_id": location.pk,
                                                       "opening_float": "1"}).status_code == 403


def test_another_organizations_objects_are_not_found(world, token_for):
    location = make_location(world.org)
    outsider = token_for(world.outsider)
    assert call("POST", "/till/sessions", outsider, {"location_id": location.pk,
                                                     "opening_float": "1"}).status_code == 404
    owner = token_for(world.owner)
    session_id = call("POST", "/till/sessions", owner, {"location_id": location.pk,
                                                        "opening_float": "1"}).json()["id"]
    assert call("GET", f"/till/sessions/{session_id}", outsider).status_code == 404
    assert call("POST", f"/till/sessions/{session_id}/close", outsider, {"counted_cash": "1"}).status_code == 404
    product_id = call("POST", "/products", owner, {"name": "Shampoo", "price": "12.90",
                                                   "vat_rate": "25.5"}).json()["id"]
    assert call("GET", f"/products/{product_id}", outsider).status_code == 404
    assert call("POST", f"/products/{product_id}/stock", outsider, {"action": "delivery",
                                                                    "quantity": 1}).status_code == 404
    make_sale(world.org, location=location, lines=[L("31.37")], tenders=[T("card", "31.37")])
    make_voucher(world.org, code="AURORA-1")
    for kind in ("day", "journal", "liability"):
        body = call("GET", f"/reports/{kind}", outsider).content.decode()
        assert "31.37" not in body and "AURORA-1" not in body


def test_products_and_stock_over_the_api(world, token_for):
    owner = token_for(world.owner)
    created = call("POST", "/products", owner, {"name": "Shampoo", "price": "12.90", "vat_rate": "13.5",
                                                "ean": "4006381333931", "low_stock_at": 2})
    assert created.status_code == 201
    product_id = created.json()["id"]
    assert call("POST", "/products", owner, {"name": "Bad", "price": "1", "vat_rate": "24"}).json()["code"] == \
        "bad_vat"
    assert call("POST", "/products", owner, {"name": "Bad", "price": "1", "vat_rate": "25.5",
                                             "ean": "4006381333932"}).status_code == 422
    assert call("POST", f"/products/{product_id}/stock", owner, {"action": "delivery", "quantity": 5}).json()[
        "stock_after"] == 5
    counted = call("POST", f"/products/{product_id}/stock", owner, {"action": "count", "quantity": 1})
    assert counted.status_code == 201 and counted.json()["change"] == -4
    assert call("POST", f"/products/{product_id}/stock", owner, {"action": "loss", "quantity": -1}).status_code == 422
    assert [p["id"] for p in call("GET", "/products?low=true", owner).json()["items"]] == [product_id]
    updated = call("PUT", f"/products/{product_id}", owner, {"name": "Shampoo XL", "price": "15.00",
                                                             "vat_rate": "13.5"})
    assert updated.json()["price"] == "15.00" and Product.objects.get(pk=product_id).stock == 1
    history = call("GET", f"/products/{product_id}/movements", owner).json()["items"]
    assert [m["reason"] for m in history] == ["count", "delivery"]


def test_reports_as_json_and_csv(world, token_for):
    location = make_location(world.org)
    make_sale(world.org, location=location, lines=[L("40.00", staff=world.practitioner)], tenders=[T("cash", "40")])
    accountant = token_for(world.accountant)
    body = call("GET", "/reports/day", accountant).json()
    assert body["rows"][0]["gross"] == "40.00" and body["columns"][0] == "day"
    csv_response = call("GET", "/reports/journal?format=csv", accountant)
    assert csv_response["Content-Type"].startswith("text/csv")
    assert csv_response.content.decode().splitlines()[0].startswith("date,entry,vat_rate")
    bad = call("GET", "/reports/day?first=2030-02-01&last=2030-01-01", accountant)
    assert bad.status_code == 422 and bad.json()["code"] == "bad_period"
    assert call("GET", "/reports/nope", accountant).status_code == 404
    assert call("GET", "/reports/day?format=xml", accountant).status_code == 422
