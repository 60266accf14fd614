"""Support access: time-limited, with a reason, in the organization's access log, shown to its owner who may end
it; read-only; refused outside its window, in another organization, and without the operator's second factor."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from console.models import OperatorAction, OperatorEvent
from kernel.audit import Actor
from kernel.models import ActorKind, AuditAction, AuditEvent
from tenancy.models import SupportAccess
from tenancy.roles import SUPPORT_ROLE
from tenancy.status import support_access_grant
from tilli.test import make_client


def _grant(operator, world, hours=2, reason="Ticket 4711: the calendar shows no hours"):
    return operator.post(reverse("console:support_grant", kwargs={"organization_id": world.org.pk}),
                         {"hours": hours, "reason": reason})


def _panel(slug: str, page: str = "web:dashboard") -> str:
    return reverse(page, kwargs={"org_slug": slug})


def test_the_grant_is_in_the_access_log_and_the_owner_sees_and_ends_it(world, operator, operator_user, client_for):
    assert _grant(operator, world).status_code == 302
    access = SupportAccess.objects.get()
    assert access.ends_at - access.starts_at == timedelta(hours=2)
    grant = AuditEvent.objects.for_organization(world.org).get(action=AuditAction.GRANT,
                                                               object_type="tenancy.supportaccess")
    assert (grant.actor_kind, grant.actor_user_id) == (ActorKind.OPERATOR, operator_user.pk)
    assert grant.detail["reason"] == "Ticket 4711: the calendar shows no hours"
    assert OperatorEvent.objects.filter(action=OperatorAction.GRANT_SUPPORT, organization_id=world.org.pk).exists()

    owner = client_for(world.owner)
    dashboard = owner.get(_panel(world.org.slug)).content.decode()
    assert "Olli Operaattori" in dashboard and "Ticket 4711" in dashboard
    log = owner.get(_panel(world.org.slug, "web:audit_log")).content.decode()
    assert "Olli Operaattori" in log
    assert "Ticket 4711" not in client_for(world.reception).get(_panel(world.org.slug)).content.decode()

    assert operator.get(_panel(world.org.slug)).status_code == 200
    response = owner.post(reverse("web:support_access_end", kwargs={"org_slug": world.org.slug,
                                                                    "access_id": access.pk}))
    assert response.status_code == 302
    assert operator.get(_panel(world.org.slug)).status_code == 404
    assert AuditEvent.objects.for_organization(world.org).filter(action=AuditAction.REVOKE,
                                                                 object_type="tenancy.supportaccess").exists()


def test_support_reads_and_every_client_read_is_audited_under_the_support_role(world, operator):
    client = make_client(world.org, first_name="Sylvi", email="sylvi@example.test")
    _grant(operator, world)
    assert operator.get(_panel(world.org.slug, "web:client_list")).status_code == 200
    page = operator.get(reverse("web:client_detail", kwargs={"org_slug": world.org.slug, "client_id": client.pk}))
    assert page.status_code == 200
    view = AuditEvent.objects.for_organization(world.org).filter(action=AuditAction.VIEW,
                                                                 subject_ref=client.subject_ref).last()
    assert view.actor_role == SUPPORT_ROLE


def test_support_cannot_change_anything(world, operator):
    _grant(operator, world)
    assert operator.get(_panel(world.org.slug, "web:organization_settings")).status_code == 404
    assert operator.post(_panel(world.org.slug, "web:staff"), {"email": "x@example.test",
                                                               "role": "owner"}).status_code == 404
    assert operator.get(_panel(world.org.slug, "web:audit_log")).status_code == 404
    assert operator.get(_panel(world.org.slug, "web:api_tokens")).status_code == 404


def test_access_outside_the_window_or_to_another_organization_is_refused(world, operator):
    _grant(operator, world)
    assert operator.get(_panel(world.other_org.slug)).status_code == 404
    SupportAccess.objects.update(ends_at=timezone.now() - timedelta(seconds=1))
    assert operator.get(_panel(world.org.slug)).status_code == 404
    later = timezone.now() + timedelta(hours=1)
    SupportAccess.objects.update(starts_at=later, ends_at=later + timedelta(hours=1))
    assert operator.get(_panel(world.org.slug)).status_code == 404


def test_a_grant_counts_only_in_a_session_that_used_the_second_factor(world, operator_user):
    support_access_grant(organization=world.org, operator=operator_user, hours=1, reason="Ticket",
                         actor=Actor.system("test"))
    password_only = Client()
    password_only.force_login(operator_user, backend="django.contrib.auth.backends.ModelBackend")
    assert password_only.get(_panel(world.org.slug)).status_code == 404


def test_the_window_is_at_most_the_setting_and_needs_a_reason(world, operator, settings):
    settings.SUPPORT_ACCESS_MAX_HOURS = 4
    response = _grant(operator, world, hours=5)
    assert response.status_code == 422 and response.context["support_form"].errors["hours"] == ["At most 4 hours."]
    response = _grant(operator, world, reason="")
    assert response.status_code == 422 and "reason" in response.context["support_form"].errors
    assert not SupportAccess.objects.exists()


def test_another_organizations_owner_cannot_end_it(world, operator, client_for):
    _grant(operator, world)
    access = SupportAccess.objects.get()
    response = client_for(world.outsider).post(reverse("web:support_access_end", kwargs={
        "org_slug": world.other_org.slug, "access_id": access.pk}))
    assert response.status_code == 404
    access.refresh_from_db()
    assert access.ended_at is None


def test_the_calendar_reads_through_the_panel_session_during_the_window_but_never_writes(world, operator):
    from tilli.test import book_appointment

    appointment = book_appointment(world.org, world.practitioner, make_client(world.org))
    headers = {"X-Tilli-Organization": world.org.slug}
    day = timezone.localdate(appointment.start).isoformat()
    path = f"/api/v1/calendar/day?location={appointment.location_id}&date={day}"
    assert operator.get(path, headers=headers).status_code == 401  # no access yet
    _grant(operator, world)
    assert operator.get(path, headers=headers).status_code == 200
    operator.get(_panel(world.org.slug, "web:calendar"))  # sets the CSRF cookie, as the calendar page does
    moved = operator.post(f"/api/v1/calendar/appointments/{appointment.pk}/move", {"start": f"{day}T14:00:00"},
                          content_type="application/json",
                          headers={**headers, "X-CSRFToken": operator.cookies["csrftoken"].value})
    assert moved.status_code == 404  # the one door refuses a role without the permission as if nothing were there
    before = appointment.start
    appointment.refresh_from_db()
    assert appointment.start == before
