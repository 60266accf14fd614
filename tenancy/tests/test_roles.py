"""Each role sees only the pages its work needs."""

import pytest
from django.urls import reverse

from tenancy.roles import ROLE_PERMISSIONS, Perm, Role

PAGES = {
    "web:dashboard": Perm.VIEW_PANEL,
    "web:staff": Perm.VIEW_STAFF,
    "web:organization_settings": Perm.MANAGE_ORGANIZATION,
    "web:audit_log": Perm.VIEW_AUDIT_LOG,
    "web:api_tokens": Perm.MANAGE_OWN_API_TOKENS,
}


def test_the_owner_has_every_permission_and_others_fewer():
    assert ROLE_PERMISSIONS[Role.OWNER] == frozenset(Perm)
    for role in (Role.PRACTITIONER, Role.RECEPTION, Role.ACCOUNTANT):
        assert Perm.VIEW_AUDIT_LOG not in ROLE_PERMISSIONS[role]
        assert Perm.MANAGE_STAFF not in ROLE_PERMISSIONS[role]
    assert Perm.VIEW_STAFF not in ROLE_PERMISSIONS[Role.ACCOUNTANT]


@pytest.mark.parametrize("role", [Role.OWNER, Role.PRACTITIONER, Role.RECEPTION, Role.ACCOUNTANT])
def test_each_role_reaches_exactly_the_pages_of_its_permissions(world, client_for, role):
    membership = world.member(role)
    client = client_for(membership)
    for name, perm in PAGES.items():
        response = client.get(reverse(name, kwargs={"org_slug": world.org.slug}))
        expected = 200 if membership.has_perm(perm) else 404
        assert response.status_code == expected, (role, name)


def test_the_menu_shows_only_what_the_role_may_open(world, client_for):
    page = client_for(world.reception).get(reverse("web:dashboard", kwargs={"org_slug": world.org.slug}))
    html = page.content.decode()
    assert reverse("web:staff", kwargs={"org_slug": world.org.slug}) in html
    assert reverse("web:audit_log", kwargs={"org_slug": world.org.slug}) not in html
    assert reverse("web:organization_settings", kwargs={"org_slug": world.org.slug}) not in html


def test_a_deactivated_member_loses_access_at_once(world, client_for):
    client = client_for(world.reception)
    world.reception.is_active = False
    world.reception.save()
    assert client.get(reverse("web:dashboard", kwargs={"org_slug": world.org.slug})).status_code == 404
