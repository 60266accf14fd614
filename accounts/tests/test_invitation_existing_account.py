"""Invitations for people who already have a Tilli account (e.g. staff of another organization)."""

from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation, User
from accounts.tests.conftest import accept_path, mail_text, translated
from tenancy.models import Membership
from tenancy.roles import Role


def _link(invite, inviter, email: str, role: str = Role.PRACTITIONER) -> str:
    _response, message = invite(inviter, email, role)
    return accept_path(mail_text(message)[1])


def test_signed_out_person_with_an_account_is_told_to_sign_in_first(world, invite):
    link = _link(invite, world.owner, world.outsider.user.email)
    users_before = User.objects.count()

    response = Client().post(link, {"first_name": "X", "last_name": "Y", "password": "Revontulet-ja-pakkanen-42",
                                    "password_again": "Revontulet-ja-pakkanen-42"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [translated(
        "fi", "An account with this email exists. Sign in first, then open the link again.")]
    assert User.objects.count() == users_before
    assert not Membership.objects.filter(organization=world.org, user=world.outsider.user).exists()
    assert Invitation.objects.get().is_open
    world.outsider.user.refresh_from_db()
    assert world.outsider.user.first_name != "X"


def test_a_signed_in_person_joins_with_their_own_account(world, invite, client_for):
    link = _link(invite, world.owner, world.outsider.user.email.upper(), Role.ACCOUNTANT)
    client = client_for(world.outsider)
    page = client.get(link)
    assert page.status_code == 200
    assert page.context["form"] is None

    response = client.post(link)

    assert response.status_code == 302
    assert response.url == reverse("web:dashboard", kwargs={"org_slug": world.org.slug})
    membership = Membership.objects.get(organization=world.org, user=world.outsider.user)
    assert (membership.role, membership.is_active) == (Role.ACCOUNTANT, True)
    assert Membership.objects.get(organization=world.other_org, user=world.outsider.user).role == Role.OWNER
    assert Invitation.objects.get().accepted_at is not None


def test_a_signed_in_person_cannot_take_someone_elses_invitation(world, invite, client_for):
    link = _link(invite, world.owner, "someone.else@example.test")
    client = client_for(world.outsider)

    response = client.post(link)

    assert response.status_code == 200
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        translated("fi", "This invitation was sent to another email address.")]
    assert not Membership.objects.filter(organization=world.org, user=world.outsider.user).exists()
    assert Invitation.objects.get().is_open


def test_a_former_member_is_reactivated_in_the_invited_role(world, invite, client_for):
    former = world.reception
    Membership.objects.filter(pk=former.pk).update(is_active=False)
    link = _link(invite, world.owner, former.user.email, Role.PRACTITIONER)

    response = client_for(former).post(link)

    assert response.status_code == 302
    former.refresh_from_db()
    assert (former.role, former.is_active) == (Role.PRACTITIONER, True)
