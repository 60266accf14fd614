"""Suspending an organization: every surface refuses with a translated 409, reminders stop, nothing is deleted,
and reactivating serves everything again. Each change writes the organization's audit row and the operator log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.services import api_token_create
from booking.selectors import free_slots
from booking.services import appointment_book
from clients.models import Client as ClientRow
from console.models import OperatorAction, OperatorEvent
from kernel.audit import Actor
from kernel.models import ActorKind, AuditEvent
from notify.delivery import deliver
from notify.models import Message, MessageChannel, MessagePurpose, MessageStatus, ReminderRule
from tenancy.models import OrganizationStatus
from tenancy.status import OrganizationUnavailable, organization_suspend
from tilli.test import make_bookable, make_client, worker_after

SYSTEM = Actor.system("test")


def _suspend(operator, world, reason="Unpaid invoices since March"):
    return operator.post(reverse("console:suspend", kwargs={"organization_id": world.org.pk}), {"reason": reason})


def _surfaces(world, token: str) -> dict[str, tuple[int, str]]:
    """Status and body of the panel, portal, booking page and both APIs, for a Finnish-speaking visitor."""
    owner = Client(headers={"Accept-Language": "fi"})
    owner.force_login(world.owner.user, backend="django.contrib.auth.backends.ModelBackend")
    visitor = Client(headers={"Accept-Language": "fi"})
    slug = world.org.slug
    answers = {
        "panel": owner.get(reverse("web:dashboard", kwargs={"org_slug": slug})),
        "portal": visitor.get(reverse("portal:start", kwargs={"portal_slug": slug})),
        "booking": visitor.get(reverse("public_booking:services", kwargs={"booking_slug": slug})),
        "public_api": visitor.get(f"/api/v1/public/{slug}/services"),
        "api": Client(headers={"Authorization": f"Bearer {token}", "Accept-Language": "fi"}).get("/api/v1/me"),
    }
    return {name: (response.status_code, response.content.decode()) for name, response in answers.items()}


def test_a_suspended_organization_is_refused_on_every_surface_and_served_again_after_reactivation(world, operator):
    token = api_token_create(membership=world.owner, name="sync", actor=SYSTEM)[1]
    assert {name: status for name, (status, _) in _surfaces(world, token).items()} == dict.fromkeys(
        ("panel", "portal", "booking", "public_api", "api"), 200)

    assert _suspend(operator, world).status_code == 302

    refused = _surfaces(world, token)
    assert {status for status, _ in refused.values()} == {409}
    for name in ("panel", "portal", "booking"):
        assert "on toistaiseksi keskeytetty" in refused[name][1], name  # the Finnish page says so
    assert '"code": "organization_suspended"' in refused["api"][1].replace('":"', '": "')
    assert '"code": "organization_suspended"' in refused["public_api"][1].replace('":"', '": "')

    response = operator.post(reverse("console:reactivate", kwargs={"organization_id": world.org.pk}),
                             {"reason": "Paid"})
    assert response.status_code == 302
    assert {status for status, _ in _surfaces(world, token).values()} == {200}


def test_suspension_and_reactivation_are_in_the_organizations_audit_log_and_the_operator_log(world, operator,
                                                                                              operator_user):
    _suspend(operator, world)
    operator.post(reverse("console:reactivate", kwargs={"organization_id": world.org.pk}), {"reason": "Paid"})

    events = AuditEvent.objects.for_organization(world.org).filter(object_type="tenancy.organization",
                                                                   actor_kind=ActorKind.OPERATOR).order_by("seq")
    assert [e.detail["status"] for e in events] == ["suspended", "active"]
    assert {e.actor_user_id for e in events} == {operator_user.pk}
    logged = OperatorEvent.objects.filter(organization_id=world.org.pk).order_by("pk")
    assert [(e.action, e.reason) for e in logged] == [(OperatorAction.SUSPEND, "Unpaid invoices since March"),
                                                      (OperatorAction.REACTIVATE, "Paid")]
    assert OperatorEvent.objects.filter(organization_id=world.other_org.pk).count() == 0


def test_suspending_needs_a_reason_and_deletes_nothing(world, operator):
    client = make_client(world.org, email="pysyy@example.test")

    response = _suspend(operator, world, reason="   ")
    assert response.status_code == 422 and "This field is required." in response.content.decode()
    world.org.refresh_from_db()
    assert world.org.status == OrganizationStatus.ACTIVE

    _suspend(operator, world)
    world.org.refresh_from_db()
    assert world.org.status == OrganizationStatus.SUSPENDED and world.org.status_reason
    assert ClientRow.objects.filter(pk=client.pk).exists()
    assert world.other_org.status == OrganizationStatus.ACTIVE  # the other organization is untouched
    other = Client()
    other.force_login(world.outsider.user, backend="django.contrib.auth.backends.ModelBackend")
    assert other.get(reverse("web:dashboard", kwargs={"org_slug": world.other_org.slug})).status_code == 200


def test_suspending_twice_is_refused_with_a_clear_message(world, operator):
    _suspend(operator, world)
    response = _suspend(operator, world)
    assert response.status_code == 422 and "Only an active organization can be suspended." in response.content.decode()
    with pytest.raises(OrganizationUnavailable):
        from tenancy.status import ensure_open

        world.org.refresh_from_db()
        ensure_open(world.org)


def test_reminders_stop_while_the_organization_is_suspended(world, smtp_server):
    ReminderRule.objects.create(organization=world.org, hours_before=24, channel=MessageChannel.EMAIL)
    _, resource, service = make_bookable(world.org, world.practitioner, hours=((10, 17),))
    client = make_client(world.org, email="muistutus@example.test", preferred_language="fi")
    today = timezone.localdate()
    start = free_slots(service, today + dt.timedelta(days=3), today + dt.timedelta(days=10), staff=resource)[0].start
    with worker_after():  # the booking's reminders are planned by its subscriber, in the worker
        appointment_book(service=service, start=start, client=client, channel="phone", actor=SYSTEM, staff=resource)
    reminder = Message.objects.get(client=client, purpose=MessagePurpose.REMINDER)
    smtp_server.wait_for(1)  # the booking's confirmation went out before the suspension
    smtp_server.messages.clear()

    organization_suspend(organization=world.org, reason="Abuse report", actor=SYSTEM)
    deliver(now=start)

    reminder.refresh_from_db()
    assert (reminder.status, reminder.error) == (MessageStatus.SKIPPED, "organization_not_active")
    assert smtp_server.messages == []


def test_the_privacy_notice_and_a_marketing_unsubscribe_stay_reachable_while_suspended(world):
    from notify.unsubscribe import unsubscribe_token

    client = make_client(world.org, email="lopetan@example.test")
    organization_suspend(organization=world.org, reason="Unpaid", actor=SYSTEM)

    notice = Client().get(reverse("public_booking:privacy_notice", kwargs={"booking_slug": world.org.slug}))
    assert notice.status_code == 404 and notice.templates[0].name == "web/documents/notice_missing.html"
    token = unsubscribe_token(client, MessageChannel.EMAIL)
    assert Client().post(reverse("unsubscribe", kwargs={"token": token})).status_code == 200
