"""The one door: scoped to the organization, permission-checked, and audited for registered reads."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import RequestFactory

from kernel.models import AuditAction, AuditEvent
from kernel.registry import registry
from tenancy.access import get_for_member
from tenancy.models import Membership
from tenancy.roles import Perm


def _request(membership, organization=None):
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    request.user = membership.user if membership else AnonymousUser()
    request.membership = membership
    request.organization = organization or (membership.organization if membership else None)
    return request


@pytest.fixture
def audited_memberships():
    """Pretend staff records are audited reads, as client records will be."""
    registration = registry.get(Membership)
    registration.audit_reads = True
    yield
    registration.audit_reads = False


def test_a_member_gets_their_organizations_object_and_the_read_is_audited(world, audited_memberships):
    request = _request(world.owner)
    found = get_for_member(request, Membership, perm=Perm.MANAGE_STAFF, pk=world.reception.pk)
    assert found == world.reception
    event = AuditEvent.objects.for_organization(world.org).order_by("-seq").first()
    assert (event.action, event.object_id, event.ip) == (AuditAction.VIEW, str(world.reception.pk), "198.51.100.7")
    assert event.actor_user_id == world.owner.user.pk and event.actor_role == "owner"


def test_another_organizations_object_is_missing_and_nothing_is_audited(world, audited_memberships):
    request = _request(world.owner)
    before = AuditEvent.objects.count()
    with pytest.raises(Http404):
        get_for_member(request, Membership, perm=Perm.MANAGE_STAFF, pk=world.outsider.pk)
    with pytest.raises(Http404):
        get_for_member(request, Membership, perm=Perm.MANAGE_STAFF, pk="not-a-number")
    assert AuditEvent.objects.count() == before


def test_a_role_without_the_permission_gets_404(world):
    with pytest.raises(Http404):
        get_for_member(_request(world.reception), Membership, perm=Perm.MANAGE_STAFF, pk=world.reception.pk)


def test_no_organization_on_the_request_means_nothing_is_found(world):
    request = _request(None)
    with pytest.raises(Http404):
        get_for_member(request, Membership, perm=Perm.VIEW_STAFF, pk=world.reception.pk)
