"""A service's own page says in one line which online payment policy its bookings are made under (its own or the
organization's default) and, to whoever sets payment policies, links to where it is edited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models.online import GatewayConnection, PolicyKind
from billing.payment_settings import policy_save
from billing.tests.payment_admin_kit import stripe_double
from kernel.audit import Actor
from tenancy.roles import ROLE_PERMISSIONS, Perm, Role
from tilli.test import make_bookable
from web.tests.privacy_helpers import english

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway(world):
    """Stripe connected (its local double): a policy that asks for a payment needs a gateway."""
    with stripe_double():
        GatewayConnection.objects.create(organization=world.org, gateway="stripe", connected_at=timezone.now())
        yield


def _page(world, browser, service) -> str:
    response = browser.get(reverse("web:service_edit", kwargs={"org_slug": world.org.slug, "service_id": service.pk}))
    assert response.status_code == 200
    return response.content.decode()


def _policy_line(html: str) -> str:
    start = html.index('id="service-payment-policy">')
    return html[start:html.index("</p>", start)]


def _save(world, service=None, **terms):
    values = {"deposit_amount": None, "deposit_percent": None, "no_show_fee": None, "free_cancellation_hours": 24,
              "text": "", **terms}
    return policy_save(organization=world.org, service=service, actor=Actor.system("test"), **values)


def test_a_service_without_a_policy_shows_the_organizations_default_and_the_link(world, client_for, gateway):
    _l, _r, service = make_bookable(world.org, world.practitioner)
    owner = english(client_for(world.owner))
    html = _page(world, owner, service)
    assert "Organization default: No payment when booking" in _policy_line(html)
    edit = reverse("web:online_payment_service", kwargs={"org_slug": world.org.slug, "service_id": service.pk})
    assert f'href="{edit}"' in html and "Edit the payment policy" in html
    _save(world, kind=PolicyKind.DEPOSIT, deposit_percent=Decimal("20"), free_cancellation_hours=48)
    line = _policy_line(_page(world, owner, service))
    assert "Organization default: Deposit: 20" in line and "free cancellation until 48 h before" in line


def test_a_service_with_its_own_policy_shows_it(world, client_for, gateway):
    _l, _r, service = make_bookable(world.org, world.practitioner)
    _l, _r, other = make_bookable(world.org, world.practitioner, duration=30)
    _save(world, kind=PolicyKind.DEPOSIT, deposit_percent=Decimal("20"))
    _save(world, service=service, kind=PolicyKind.PREPAYMENT, free_cancellation_hours=12)
    owner = english(client_for(world.owner))
    line = _policy_line(_page(world, owner, service))
    assert "Own policy: Full prepayment" in line and "free cancellation until 12 h before" in line
    assert "Organization default: Deposit" in _policy_line(_page(world, owner, other))  # another service: its own
    fi = client_for(world.owner)
    fi.cookies["django_language"] = "fi"
    assert "Own policy" not in _page(world, fi, service)


def test_the_link_is_only_for_who_sets_payment_policies(world, client_for, monkeypatch):
    _l, _r, service = make_bookable(world.org, world.practitioner)
    # No role but the owner manages services today; reception given that alone still may not set payment policies.
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.RECEPTION, ROLE_PERMISSIONS[Role.RECEPTION] | {Perm.MANAGE_SERVICES})
    html = _page(world, english(client_for(world.reception)), service)
    assert "Organization default: No payment when booking" in _policy_line(html)
    edit = reverse("web:online_payment_service", kwargs={"org_slug": world.org.slug, "service_id": service.pk})
    assert "Edit the payment policy" not in html and edit not in html
    assert client_for(world.reception).get(edit).status_code == 404


def test_another_organizations_service_page_is_not_found(world, client_for):
    _l, _r, theirs = make_bookable(world.other_org, world.outsider)
    response = client_for(world.owner).get(reverse("web:service_edit", kwargs={"org_slug": world.org.slug,
                                                                              "service_id": theirs.pk}))
    assert response.status_code == 404
