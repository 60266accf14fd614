"""The checkout's client picker: reception finds a walk-in client on the checkout page itself (live or by a
plain form), picks them (their standing discount and email then apply), takes them off again; only the
organization's clients, only for roles that sell, each search audited like the client list's."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import Sale
from billing.tests.checkout_kit import make_counter
from clients.services import client_restrict
from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent
from tilli.test import make_client
from web.tests.privacy_helpers import english, url

pytestmark = pytest.mark.django_db


def draft(counter, **extra) -> dict:
    data = {"lines": "1", "l0-kind": "service", "l0-ref": str(counter.service.pk), "l0-quantity": "1",
            "l0-price": "49.00", "tenders": "1", "t0-method": "card", "t0-amount": "49.00", "client": "",
            "appointment": ""}
    data.update(extra)
    return data


def searches(world):
    return AuditEvent.objects.for_organization(world.org).filter(action=AuditAction.SEARCH)


def test_live_search_finds_the_organizations_clients_and_is_audited_without_the_query(world, client_for):
    anna = make_client(world.org, email="anna@example.test", phone="+358401234567")
    make_client(world.org, first_name="Bertil", last_name="Ek")
    theirs = make_client(world.other_org, first_name="Anna", last_name="Virtanen", email="anna@other.test")
    reception = english(client_for(world.reception))
    for query in ("virt", "anna@ex", "0401234567"):
        html = reception.post(url(world, "web:checkout_clients"), {"client_q": query},
                              headers={"HX-Request": "true"}).content.decode()
        assert f'value="pick_client:{anna.pk}"' in html, query
        assert f"pick_client:{theirs.pk}" not in html and "anna@other.test" not in html and "Bertil" not in html
    none = reception.post(url(world, "web:checkout_clients"), {"client_q": "zzz"}).content.decode()
    assert "No clients found." in none
    events = list(searches(world))
    assert len(events) == 4 and events[0].detail == {"results": 1, "via": "checkout"}
    assert all("virt" not in str(e.detail) and "anna" not in str(e.detail) for e in events)
    # GET is refused: a name typed into the search never reaches a URL
    assert reception.get(url(world, "web:checkout_clients") + "?client_q=virt").status_code == 405


def test_without_javascript_the_page_searches_picks_and_clears_the_client(world, client_for):
    counter = make_counter(world)
    anna = make_client(world.org, email="anna@example.test", standing_discount_percent=Decimal("10"))
    reception = english(client_for(world.reception))
    page = reception.post(url(world, "web:checkout"), draft(counter, client_q="virtanen", action="client_search"))
    html = page.content.decode()
    assert page.status_code == 200 and f'value="pick_client:{anna.pk}"' in html and 'value="virtanen"' in html
    assert 'name="l0-ref"' in html  # the basket is kept while searching
    page = reception.post(url(world, "web:checkout"), draft(counter, action=f"pick_client:{anna.pk}"))
    html = page.content.decode()
    assert f'name="client" value="{anna.pk}"' in html and 'id="checkout-client-name">Anna Virtanen<' in html
    assert "standing discount (10 %)" in html and 'placeholder="anna@example.test"' in html
    assert AuditEvent.objects.for_organization(world.org).filter(action=AuditAction.VIEW,
                                                                 subject_ref=anna.subject_ref).count() == 1
    # the client's discount and address are applied, then go with the client when they are taken off
    page = reception.post(url(world, "web:checkout"), draft(counter, client=anna.pk, action="standing_discount"))
    assert 'value="10 %"' in page.content.decode()
    page = reception.post(url(world, "web:checkout"), draft(counter, client=anna.pk, discount="10 %",
                                                             email_to="anna@example.test", action="clear_client"))
    html = page.content.decode()
    assert 'name="client" value=""' in html and "Walk-in sale (no client)" in html
    assert 'value="10 %"' not in html and 'value="anna@example.test"' not in html
    assert not Sale.objects.exists()


def test_the_picked_client_is_the_sales_client(world, client_for):
    counter = make_counter(world)
    anna = make_client(world.org)
    reception = english(client_for(world.reception))
    response = reception.post(url(world, "web:checkout"), draft(counter, client=anna.pk, action="complete"))
    assert response.status_code == 302
    assert Sale.objects.get().client == anna
    assert "Customer: Anna Virtanen" in reception.get(response["Location"]).content.decode()


def test_another_organizations_client_cannot_be_picked_nor_seen(world, client_for):
    counter = make_counter(world)
    theirs = make_client(world.other_org, first_name="Outi", last_name="Muualta")
    reception = english(client_for(world.reception))
    response = reception.post(url(world, "web:checkout"), draft(counter, action=f"pick_client:{theirs.pk}"))
    assert response.status_code == 404 and "Muualta" not in response.content.decode()
    response = reception.post(url(world, "web:checkout"), draft(counter, client=theirs.pk, action="complete"))
    assert response.status_code == 404 and not Sale.objects.exists()
    assert reception.post(url(world, "web:checkout"), draft(counter, action="pick_client:abc")).status_code == 404
    # and their staff find none of ours
    make_client(world.org)
    html = client_for(world.outsider).post(url(world, "web:checkout_clients"), {"client_q": "virtanen"})
    assert html.status_code == 404


def test_a_restricted_client_is_shown_but_cannot_be_picked(world, client_for):
    counter = make_counter(world)
    anna = make_client(world.org)
    client_restrict(client=anna, actor=Actor.system("test"), reason="Disputed")
    reception = english(client_for(world.reception))
    html = reception.post(url(world, "web:checkout_clients"), {"client_q": "virtanen"}).content.decode()
    assert "Processing restricted" in html and "pick_client" not in html
    page = reception.post(url(world, "web:checkout"), draft(counter, action=f"pick_client:{anna.pk}"))
    assert "restricted" in page.content.decode() and 'name="client" value=""' in page.content.decode()


@pytest.mark.parametrize(("role", "allowed"), [("owner", True), ("practitioner", True), ("reception", True),
                                                ("accountant", False)])
def test_only_roles_that_sell_pick_a_client(world, client_for, role, allowed):
    counter = make_counter(world)
    anna = make_client(world.org)
    member = getattr(world, role)
    web = client_for(member)
    found = web.post(url(world, "web:checkout_clients"), {"client_q": "virtanen"})
    picked = web.post(url(world, "web:checkout"), draft(counter, action=f"pick_client:{anna.pk}"))
    if allowed:
        assert found.status_code == 200 and f"pick_client:{anna.pk}" in found.content.decode()
        assert picked.status_code == 200 and f'name="client" value="{anna.pk}"' in picked.content.decode()
    else:
        assert found.status_code == 404 and picked.status_code == 404
        assert not searches(world).exists()


def test_a_sale_of_an_appointment_keeps_the_appointments_client(world, client_for):
    from tilli.test import book_appointment

    anna = make_client(world.org)
    bertil = make_client(world.org, first_name="Bertil", last_name="Ek")
    appointment = book_appointment(world.org, world.practitioner, anna)
    reception = english(client_for(world.reception))
    page = reception.get(url(world, "web:checkout") + f"?appointment={appointment.pk}").content.decode()
    assert 'id="id_client_q"' not in page and "clear_client" not in page
    page = reception.post(url(world, "web:checkout"), {
        "lines": "0", "tenders": "0", "client": anna.pk, "appointment": appointment.pk,
        "action": f"pick_client:{bertil.pk}"}).content.decode()
    assert f'name="client" value="{anna.pk}"' in page
