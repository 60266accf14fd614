"""Walk every URL pattern and API operation as another organization's member and as an
anonymous visitor, and prove nothing of the organization leaks.

Later issues get this for free: a new panel URL or API operation is swept automatically.
A new URL keyword must be taught to OBJECT_KWARGS, otherwise the sweep fails, so no
endpoint can be added without being tried.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.services import invitation_create
from api.api import api
from api.services import api_token_create
from kernel.audit import Actor
from privacy.models import DataExport, RequestChannel, RequestKind
from privacy.requests import request_create
from tenancy.roles import Role
from tilli.test import World, make_client
from tilli.test import legacy_payment as payment_record

ORG_PREFIX = "o/<slug:org_slug>/"

# How to find an object of an organization for each keyword a tenant URL can take.
OBJECT_KWARGS: dict[str, Callable[[World, dict], int]] = {
    "membership_id": lambda world, objs: world.practitioner.pk,
    "invitation_id": lambda world, objs: objs["invitation"].pk,
    "token_id": lambda world, objs: objs["token"].pk,
    "client_id": lambda world, objs: objs["client"].pk,
    "appointment_id": lambda world, objs: objs["appointment"].pk,
    "service_id": lambda world, objs: objs["appointment"].service_id,
    "resource_id": lambda world, objs: objs["appointment"].staff_id,
    "request_id": lambda world, objs: objs["request"].pk,
    "export_id": lambda world, objs: objs["export"].pk,
    "payment_id": lambda world, objs: objs["payment"].pk,
    "sale_id": lambda world, objs: objs["sale"].pk,
    "card_id": lambda world, objs: objs["card"].pk,
    "message_id": lambda world, objs: objs["message"].pk,
    "campaign_id": lambda world, objs: objs["campaign"].pk,
    "rule_id": lambda world, objs: objs["rule"].pk,
    "template_id": lambda world, objs: objs["template"].pk,
    "recipient_id": lambda world, objs: _recipient(world).pk,
    "breach_id": lambda world, objs: _breach(world, objs).pk,
    "assignment_id": lambda world, objs: _assignment(world, objs).pk,
    "access_id": lambda world, objs: _support_access(world, objs).pk,
    "category_id": lambda world, objs: _category(world, objs).pk,
    "invoice_id": lambda world, objs: _invoice(world, objs).pk,
    "standard": lambda world, objs: "finvoice",
    # Public booking operations are addressed by the organization's slug and need no account.
    "booking_slug": lambda world, objs: world.org.slug,
    # The guide's topics (web/help.py) are the same for every organization.
    "topic": lambda world, objs: "requests",
    "client_topic": lambda world, objs: "rights",
    # The counter: a location with a closed till session (a Z report), a product, a report's kind.
    "location_id": lambda world, objs: _counter(world, objs)["location"].pk,
    "session_id": lambda world, objs: _counter(world, objs)["session"].pk,
    "product_id": lambda world, objs: _counter(world, objs)["product"].pk,
    "kind": lambda world, objs: "day",
    "voucher_id": lambda world, objs: _counter(world, objs)["voucher"].pk,
}
PUBLIC_API = "/api/v1/public/"


def _walk(patterns, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        else:
            yield route, entry


def tenant_routes() -> list[str]:
    return sorted({route for route, _ in _walk(get_resolver().url_patterns) if route.startswith(ORG_PREFIX)})


def _fill(route: str, slug: str, world: World, objs: dict) -> str:
    def value(match: re.Match) -> str:
        name = match.group(2)
        if name == "org_slug":
            return slug
        if name not in OBJECT_KWARGS:
            pytest.fail(f"The tenant sweep does not know URL keyword {name!r} in {route}: add it to OBJECT_KWARGS.")
        return str(OBJECT_KWARGS[name](world, objs))

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


@pytest.fixture
def objects(world: World) -> dict:
    return build_objects(world)


def build_objects(world: World) -> dict:
    """One object of the organization for every URL keyword (other sweeps use it too)."""
    invitation = invitation_create(organization=world.org, email="new.person@example.test", role=Role.RECEPTION,
                                   invited_by=world.owner.user, actor=Actor.system("test"))
    token, secret = api_token_create(membership=world.owner, name="sweep", actor=Actor.system("test"))
    client = make_client(world.org, first_name="Sylvi", last_name="Sweepinen", email="sylvi@example.test",
                         phone="0401112222")
    appointment = _appointment(world, client)
    request = request_create(organization=world.org, kind=RequestKind.ACCESS, channel=RequestChannel.EMAIL,
                             actor=Actor.system("test"), client=client, details="Sylvi Sweepinen asks for a copy")
    export = DataExport.objects.create(organization=world.org, client=client, request=request)
    payment = payment_record(organization=world.org, client=client, amount=Decimal("30.00"), method="cash",
                             actor=Actor.system("test"))
    from billing.sales import LineInput, TenderInput, sale_complete

    sale = sale_complete(organization=world.org, location=appointment.location, client=client,
                         actor=Actor.system("test"),
                         lines=[LineInput(kind="free", description="Comb", unit_price=Decimal("5.00"),
                                          vat_percent=Decimal("25.5")),
                                LineInput(kind="gift_card", unit_price=Decimal("20.00"))],
                         tenders=[TenderInput(method="card", amount=Decimal("25.00"))])
    message, campaign, rule, template = _messages(world, client)
    return {"invitation": invitation, "token": token, "secret": secret, "client": client,
            "appointment": appointment, "request": request, "export": export, "payment": payment, "sale": sale,
            "card": sale.lines.get(kind="gift_card").voucher,
            "message": message, "campaign": campaign, "rule": rule, "template": template}


def _messages(world: World, client):
    """A message to the client, a draft campaign, a reminder rule and the organization's own wording."""
    from django.utils import timezone

    from notify.models import Campaign, Message, MessageTemplate, ReminderRule

    message = Message.objects.create(organization=world.org, client=client, purpose="reminder", kind="reminder",
                                     channel="email", recipient=client.email, language="fi",
                                     subject="Salon Aurora: Sylvi Sweepinen", body="Hei Sylvi Sweepinen",
                                     next_attempt_at=timezone.now(), dedupe_key="sweep")
    campaign = Campaign.objects.create(organization=world.org, name="Salon Aurora spring", channel="email",
                                       subject="Spring", body="Salon Aurora offer")
    rule = ReminderRule.objects.create(organization=world.org, hours_before=24, channel="email")
    template = MessageTemplate.objects.create(organization=world.org, kind="reminder", channel="sms",
                                              language="fi", body="Salon Aurora muistuttaa")
    return message, campaign, rule, template


def _support_access(world: World, objs: dict):
    """An open support access of an operator's staff member to the organization."""
    from tenancy.status import support_access_grant
    from tilli.test import UserFactory

    if "support_access" not in objs:
        objs["support_access"] = support_access_grant(
            organization=world.org, operator=UserFactory(is_staff=True), hours=1, reason="Salon Aurora ticket",
            actor=Actor.system("test"))
    return objs["support_access"]


def _recipient(world: World):
    from privacy.models import OrganizationRecipient

    recipient, _ = OrganizationRecipient.objects.get_or_create(
        organization=world.org, name="Salon Aurora bookkeeping",
        defaults={"purpose": "accounts", "data_categories": "receipts"})
    return recipient


def _breach(world: World, objs: dict):
    """A breach of the organization with the sweep's client among those affected."""
    from django.utils import timezone

    from privacy.breaches import breach_record, breach_subject_add

    if "breach" not in objs:
        objs["breach"] = breach_record(organization=world.org, actor=Actor.system("test"),
                                       title="Salon Aurora laptop stolen", nature="Salon Aurora laptop",
                                       noticed_at=timezone.now())
        breach_subject_add(breach=objs["breach"], client=objs["client"], actor=Actor.system("test"))
    return objs["breach"]


def _assignment(world: World, objs: dict):
    """The owner's care assignment of the practitioner to the sweep's client."""
    from clients.care import care_assignment_grant

    if "assignment" not in objs:
        objs["assignment"] = care_assignment_grant(client=objs["client"], practitioner=world.practitioner,
                                                   actor=Actor.system("test"))
    return objs["assignment"]


def _category(world: World, objs: dict):
    """A service category of the booking page."""
    from booking.page import service_category_save

    if "category" not in objs:
        objs["category"] = service_category_save(organization=world.org, actor=Actor.system("test"),
                                                 name={world.org.default_language: "Salon Aurora hair"})
    return objs["category"]


def _counter(world: World, objs: dict) -> dict:
    """A location whose till was opened and closed (a Z report), and a product."""
    from billing.products import product_save
    from billing.till import till_close, till_open
    from booking.models import Location

    if "counter" not in objs:
        location = (Location.objects.filter(organization=world.org).order_by("pk").first()  # the salon's own
                    or Location.objects.create(organization=world.org, name="Main", time_zone=world.org.time_zone))
        session = till_open(organization=world.org, location=location, opening_float=Decimal("100"),
                            actor=Actor.system("test"))
        till_close(organization=world.org, session=session, counted_cash=Decimal("100"), actor=Actor.system("test"))
        product = product_save(organization=world.org, actor=Actor.system("test"), name="Salon Aurora shampoo",
                               price=Decimal("12.90"), vat_rate=Decimal("25.5"))
        from billing.tests.counter_factories import make_voucher

        voucher = make_voucher(world.org, code="SWEEP-0001", client=objs["client"])
        objs["counter"] = {"location": location, "session": session, "product": product, "voucher": voucher}
    return objs["counter"]


def _invoice(world: World, objs: dict):
    """An invoice of the organization to the sweep's client."""
    from billing.invoicing import LineInput, billing_profile_save, invoice_create

    if "invoice" not in objs:
        billing_profile_save(organization=world.org, actor=Actor.system("test"), iban="FI7944052020036082",
                             bic="OKOYFIHH")
        objs["invoice"] = invoice_create(organization=world.org, actor=Actor.system("test"), client=objs["client"],
                                         lines=[LineInput(description="Salon Aurora haircut", quantity=Decimal(1),
                                                          unit_price=Decimal("50"), vat_percent=Decimal("25.5"))])
    return objs["invoice"]


def _appointment(world: World, client):
    import datetime as dt

    from booking.models import Channel
    from booking.services import appointment_book
    from tilli.test import make_bookable

    _, _, service = make_bookable(world.org, world.practitioner)
    start = dt.datetime.combine(dt.date.today() + dt.timedelta(days=(7 - dt.date.today().weekday()) % 7 + 7),
                                dt.time(10), dt.UTC)
    return appointment_book(service=service, start=start, client=client, channel=Channel.STAFF,
                            actor=Actor.system("test"))


def _secrets(world: World) -> list[str]:
    """Strings that belong to the swept organization and must never reach an outsider."""
    return [world.org.name, world.owner.user.email, world.practitioner.user.email, world.reception.user.email,
            world.accountant.user.email, "new.person@example.test", "Sweepinen", "sylvi@example.test",
            "+358401112222"]


def test_the_sweep_covers_the_panel():
    routes = tenant_routes()
    assert ORG_PREFIX in routes and len(routes) >= 8


def test_an_outsider_gets_404_on_every_tenant_url_and_sees_nothing(world, objects, client_for):
    outsider = client_for(world.outsider)
    for route in tenant_routes():
        url = _fill(route, world.org.slug, world, objects)
        for method in ("get", "post"):
            response = getattr(outsider, method)(url)
            assert response.status_code == 404, (method, url, response.status_code)
            body = response.content.decode()
            for secret in _secrets(world):
                assert secret not in body, (method, url)


def test_an_outsider_cannot_reach_objects_through_their_own_organization(world, objects, client_for):
    outsider = client_for(world.outsider)
    for route in tenant_routes():
        if not re.search(r"<(?:\w+:)?(\w+_id)>", route):
            continue
        url = _fill(route, world.other_org.slug, world, objects)
        for method in ("get", "post"):
            response = getattr(outsider, method)(url)
            # 405 only for a GET of a POST-only action: the method is refused before any lookup.
            assert response.status_code in (404, 405), (method, url, response.status_code)
            body = response.content.decode()
            for secret in _secrets(world):
                assert secret not in body, (method, url)


def test_an_anonymous_visitor_is_sent_to_sign_in_from_every_tenant_url(world, objects):
    anonymous = Client()
    for route in tenant_routes():
        url = _fill(route, world.org.slug, world, objects)
        for method in ("get", "post"):
            response = getattr(anonymous, method)(url)
            assert response.status_code == 302, (method, url)
            assert response["Location"].startswith("/accounts/login/"), url
            assert world.org.name not in response.content.decode()


def _api_operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return sorted((method.upper(), path) for path, ops in schema["paths"].items() for method in ops)


def _api_call(client: Client, method: str, path: str, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method in ("POST", "PUT", "PATCH"):
        return client.generic(method, path, data="{}", content_type="application/json", headers=headers)
    return client.generic(method, path, headers=headers)


def test_every_api_operation_as_an_outsider_shows_only_their_own_organization(world, objects):
    _, outsider_token = api_token_create(membership=world.outsider, name="sweep", actor=Actor.system("test"))
    operations = _api_operations()
    assert len(operations) >= 5
    for method, template in operations:
        path = _fill_api_path(template, world, objects)
        response = _api_call(Client(), method, path, outsider_token)
        if "{" in template and not template.startswith(PUBLIC_API):
            assert response.status_code in (404, 422), (method, path, response.status_code)
        assert response.status_code < 500, (method, path)
        body = response.content.decode()
        for secret in _secrets(world):
            assert secret not in body, (method, path)


def _fill_api_path(template: str, world: World, objects: dict) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in OBJECT_KWARGS:
            pytest.fail(f"The API sweep does not know path parameter {name!r} in {template}: add it to OBJECT_KWARGS.")
        return str(OBJECT_KWARGS[name](world, objects))

    return re.sub(r"\{(\w+)\}", value, template)


def test_every_api_operation_refuses_an_anonymous_caller_with_a_json_error(world, objects):
    for method, template in _api_operations():
        if template.startswith(PUBLIC_API):
            continue  # public by design; test_public_api_shows_nothing_private covers them
        response = _api_call(Client(), method, _fill_api_path(template, world, objects), None)
        assert response.status_code == 401, (method, template)
        assert response.json()["code"] == "unauthenticated"


def test_a_revoked_or_unknown_token_is_refused(world, objects):
    from api.services import api_token_revoke

    api_token_revoke(token=objects["token"], actor=Actor.system("test"))
    for token in (objects["secret"], "tli_not-a-real-token", "garbage"):
        response = _api_call(Client(), "GET", "/api/v1/me", token)
        assert response.status_code == 401


def test_public_api_shows_nothing_private(world, objects):
    """The public booking operations answer anyone, and only with what the booking page shows."""
    public = [(m, t) for m, t in _api_operations() if t.startswith(PUBLIC_API)]
    assert len(public) >= 3
    for method, template in public:
        response = _api_call(Client(), method, _fill_api_path(template, world, objects), None)
        assert response.status_code < 500, (method, template)
        body = response.content.decode()
        for secret in _secrets(world):
            assert secret not in body, (method, template)
