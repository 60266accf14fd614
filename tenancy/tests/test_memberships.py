"""Staff changes: roles, deactivation, and the last owner who cannot be removed."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from kernel.audit import Actor
from kernel.models import AuditAction, AuditEvent
from tenancy.models import Membership
from tenancy.roles import Role
from tenancy.services import LastOwnerError, membership_change
from tilli.test import add_member, make_organization

SYSTEM = Actor.system("test")


def test_the_owner_changes_a_role_and_the_change_is_audited(world, client_for):
    url = reverse("web:staff_member", kwargs={"org_slug": world.org.slug, "membership_id": world.reception.pk})
    response = client_for(world.owner).post(url, {"role": Role.PRACTITIONER, "is_active": "on"})
    assert response.status_code == 302
    world.reception.refresh_from_db()
    assert world.reception.role == Role.PRACTITIONER
    event = AuditEvent.objects.for_organization(world.org).order_by("-seq").first()
    assert (event.action, event.object_id, event.changed_fields) == (AuditAction.UPDATE, str(world.reception.pk),
                                                                     ["role"])
    assert event.actor_user_id == world.owner.user.pk and event.actor_role == Role.OWNER


def test_the_last_owner_cannot_demote_or_deactivate_themselves(world, client_for):
    url = reverse("web:staff_member", kwargs={"org_slug": world.org.slug, "membership_id": world.owner.pk})
    client = client_for(world.owner)
    client.cookies["django_language"] = "en"
    response = client.post(url, {"role": Role.RECEPTION, "is_active": "on"})
    assert response.status_code == 200
    assert "at least one active owner" in response.content.decode()
    with pytest.raises(LastOwnerError):
        membership_change(membership=world.owner, actor=SYSTEM, is_active=False)
    world.owner.refresh_from_db()
    assert world.owner.role == Role.OWNER and world.owner.is_active


def test_with_two_owners_one_may_step_down(world):
    second = add_member(world.org, Role.OWNER)
    membership_change(membership=world.owner, actor=SYSTEM, role=Role.PRACTITIONER)
    assert Membership.objects.get(pk=second.pk).role == Role.OWNER


@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner():
    org = make_organization()
    first = Membership.objects.get(organization=org, role=Role.OWNER)
    second = add_member(org, Role.OWNER)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(membership):
        try:
            barrier.wait()
            membership_change(membership=membership, actor=SYSTEM, role=Role.RECEPTION)
            outcomes.append("demoted")
        except LastOwnerError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=demote, args=(m,)) for m in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["demoted", "refused"]
    assert Membership.objects.filter(organization=org, role=Role.OWNER, is_active=True).count() == 1
