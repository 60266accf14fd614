"""/api/v1 sales, receipts and gift cards: the same services as the panel, 409/422 with codes, tenant-scoped."""

from __future__ import annotations

import pytest

from api.services import api_token_create
from api.tests.test_api import call
from billing.models import Sale, Voucher
from billing.tests.checkout_kit import make_counter
from kernel.audit import Actor
from tilli.test import make_client

pytestmark = pytest.mark.django_db


def token(membership) -> str:
    return api_token_create(membership=membership, name="t", actor=Actor.system("t"))[1]


@pytest.fixture
def counter(world):
    return make_counter(world)


def test_a_sale_with_a_split_payment_answers_the_receipt(world, counter):
    anna = make_client(world.org)
    body = {"client_id": anna.pk, "lines": [{"kind": "service", "service_id": counter.service.pk},
                                            {"kind": "product", "product_id": counter.product.pk, "quantity": "2"}],
            "tenders": [{"method": "card", "amount": "50.00"}, {"method": "cash", "amount": "30.00"}]}
    response = call("POST", "/sales", token(world.reception), body)
    assert response.status_code == 201, response.content
    receipt = response.json()
    assert receipt["receipt_number"] == 1 and receipt["total"] == "74.80" and receipt["change"] == "5.20"
    assert [t["method"] for t in receipt["tenders"]] == ["card", "cash"] and receipt["client_id"] == anna.pk
    assert call("GET", f"/receipts/{receipt['id']}", token(world.accountant)).json()["total"] == "74.80"
    listed = call("GET", "/receipts?number=1", token(world.accountant)).json()
    assert [r["id"] for r in listed["items"]] == [receipt["id"]]
    pdf = call("GET", f"/receipts/{receipt['id']}/pdf", token(world.accountant))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_refusals_have_codes_and_never_a_500(world, counter):
    reception = token(world.reception)
    underpaid = call("POST", "/sales", reception, {"lines": [{"kind": "service", "service_id": counter.service.pk}],
                                                   "tenders": [{"method": "card", "amount": "1.00"}]})
    assert underpaid.status_code == 422 and underpaid.json()["code"] == "bad_tender"
    for bad in ({"lines": [], "tenders": []}, {"lines": [{"kind": "bogus"}], "tenders": []},
                {"lines": [{"kind": "free", "unit_price": "-1"}], "tenders": []},
                {"lines": [{"kind": "free", "unit_price": "1e30", "vat_percent": "25.5", "description": "x"}],
                 "tenders": []},
                {"lines": [{"kind": "free", "unit_price": "1", "vat_percent": "7", "description": "x"}],
                 "tenders": [{"method": "card", "amount": "1"}]},
                {"lines": [{"kind": "service", "service_id": 99999999}], "tenders": []}):
        response = call("POST", "/sales", reception, bad)
        assert response.status_code == 422, (bad, response.content)
    assert call("GET", "/gift-cards/lookup?code=NOPE", reception).json()["code"] == "card_unknown"
    assert not Sale.objects.exists()


def test_gift_cards_are_sold_looked_up_and_refunded(world, counter):
    reception = token(world.reception)
    sold = call("POST", "/sales", reception, {"lines": [{"kind": "gift_card", "unit_price": "40.00"}],
                                              "tenders": [{"method": "card", "amount": "40.00"}]}).json()
    code = sold["lines"][0]["voucher_code"]
    found = call("GET", f"/gift-cards/lookup?code={code.lower()}", reception).json()
    assert found["balance"] == "40.00" and found["kind"] == "gift_card"
    paid = call("POST", "/sales", reception, {"lines": [{"kind": "service", "service_id": counter.service.pk}],
                                              "tenders": [{"method": "gift_card", "amount": "40.00", "code": code},
                                                          {"method": "card", "amount": "9.00"}]})
    assert paid.status_code == 201
    again = call("POST", "/sales", reception, {"lines": [{"kind": "service", "service_id": counter.service.pk}],
                                               "tenders": [{"method": "gift_card", "amount": "49.00", "code": code}]})
    assert again.status_code == 409 and again.json()["code"] == "card_balance"
    line = paid.json()["lines"][0]["id"]
    credit = call("POST", f"/receipts/{paid.json()['id']}/refunds", reception, {
        "lines": [{"line_id": line, "quantity": "1"}], "reason": "Cancelled",
        "tenders": [{"method": "gift_card", "amount": "40.00", "code": code}, {"method": "card", "amount": "9.00"}]})
    assert credit.status_code == 201 and credit.json()["kind"] == "credit" and credit.json()["total"] == "-49.00"
    assert Voucher.objects.get().balance == 40
    twice = call("POST", f"/receipts/{paid.json()['id']}/refunds", reception, {
        "lines": [{"line_id": line, "quantity": "1"}], "reason": "Again",
        "tenders": [{"method": "card", "amount": "49"}]})
    assert twice.status_code == 409 and twice.json()["code"] == "refund_exceeds_sale"


def test_other_organizations_and_roles(world, counter):
    theirs = make_counter(world, organization=world.other_org)
    outsider = token(world.outsider)
    their_sale = call("POST", "/sales", outsider, {"lines": [{"kind": "service", "service_id": theirs.service.pk}],
                                                   "tenders": [{"method": "card", "amount": "49.00"}]}).json()
    reception = token(world.reception)
    assert call("GET", f"/receipts/{their_sale['id']}", reception).status_code == 404
    assert call("GET", f"/receipts/{their_sale['id']}/pdf", reception).status_code == 404
    assert call("POST", f"/receipts/{their_sale['id']}/refunds", reception, {
        "lines": [{"line_id": their_sale["lines"][0]["id"], "quantity": "1"}], "reason": "x",
        "tenders": [{"method": "card", "amount": "49"}]}).status_code == 404
    using_theirs = call("POST", "/sales", reception, {"lines": [{"kind": "service", "service_id": theirs.service.pk}],
                                                      "tenders": [{"method": "card", "amount": "49.00"}]})
    assert using_theirs.status_code == 422
    assert call("GET", "/receipts", reception).json()["items"] == []
    assert call("POST", "/sales", token(world.accountant), {
        "lines": [{"kind": "service", "service_id": counter.service.pk}],
        "tenders": [{"method": "card", "amount": "49.00"}]}).status_code == 403
