from tenancy.models import Membership


def test_world_has_two_organizations_with_their_own_staff(world):
    assert Membership.objects.for_organization(world.org).count() == 4
    assert Membership.objects.for_organization(world.other_org).count() == 1
