"""Accepting an invitation: a new person sets a password and joins in the invited role, once."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, User
from accounts.tests.conftest import accept_path, mail_text, sign_in
from kernel.audit import verify
from kernel.models import AuditAction, AuditEvent
from tenancy.models import Membership
from tenancy.roles import Role

EMAIL = "new.person@example.test"
GOOD_PASSWORD = "Revontulet-ja-pakkanen-42"


@pytest.fixture
def link(world, invite):
    _response, message = invite(world.owner, EMAIL, Role.PRACTITIONER)
    return accept_path(mail_text(message)[1])


def _accept(client: Client, path: str, password: str = GOOD_PASSWORD, again: str | None = None):
    return client.post(path, {"first_name": "Aino", "last_name": "Virtanen", "password": password,
                              "password_again": password if again is None else again},
                       REMOTE_ADDR="198.51.100.77")


def test_accepting_creates_the_user_and_membership_and_signs_them_in(world, link):
    client = Client()
    page = client.get(link)
    assert page.status_code == 200
    assert EMAIL in page.content.decode()

    response = _accept(client, link)

    assert response.status_code == 302
    assert response.url == reverse("web:dashboard", kwargs={"org_slug": world.org.slug})
    user = User.objects.get(email=EMAIL)
    assert (user.first_name, user.last_name) == ("Aino", "Virtanen")
    assert user.check_password(GOOD_PASSWORD)
    membership = Membership.objects.get(organization=world.org, user=user)
    assert (membership.role, membership.is_active) == (Role.PRACTITIONER, True)
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.get(response.url).status_code == 200
    assert Invitation.objects.get().accepted_at is not None
    # The new password works for a later sign-in too.
    assert sign_in(Client(), EMAIL, GOOD_PASSWORD).status_code == 302


def test_accepting_is_audited(world, link):
    _accept(Client(), link)

    user = User.objects.get(email=EMAIL)
    membership = Membership.objects.get(user=user)
    events = AuditEvent.objects.for_organization(world.org)
    invited = events.get(object_type="accounts.invitation", action=AuditAction.CREATE)
    granted = events.get(object_type="tenancy.membership", object_id=str(membership.pk))
    assert invited.actor_user_id == world.owner.user.pk
    assert granted.action == AuditAction.GRANT
    assert (granted.actor_user_id, granted.actor_role, granted.ip) == (user.pk, Role.PRACTITIONER, "198.51.100.77")
    assert granted.detail == {"role": Role.PRACTITIONER}
    assert granted.seq > invited.seq
    assert verify(world.org).ok


def test_the_link_works_only_once(world, link):
    assert _accept(Client(), link).status_code == 302

    for client in (Client(), Client()):
        assert client.get(link).status_code == 404
        response = _accept(client, link, password="Toinen-salasana-kelpaa-99")
        assert response.status_code == 404
        assert "no longer valid" in response.content.decode()
    assert User.objects.filter(email=EMAIL).count() == 1
    assert not User.objects.get(email=EMAIL).check_password("Toinen-salasana-kelpaa-99")


def test_an_expired_invitation_is_refused(world, link):
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert Client().get(link).status_code == 404
    response = _accept(Client(), link)

    assert response.status_code == 404
    assert not User.objects.filter(email=EMAIL).exists()
    assert not Membership.objects.filter(user__email=EMAIL).exists()


def test_a_revoked_invitation_is_refused(world, link, client_for):
    invitation = Invitation.objects.get()
    owner = client_for(world.owner)

    revoked = owner.post(reverse("web:invitation_revoke",
                                 kwargs={"org_slug": world.org.slug, "invitation_id": invitation.pk}))

    assert revoked.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEvent.objects.filter(object_type="accounts.invitation", action=AuditAction.REVOKE).count() == 1
    response = _accept(Client(), link)
    assert response.status_code == 404
    assert not User.objects.filter(email=EMAIL).exists()


def test_another_organization_cannot_revoke_the_invitation(world, link, client_for):
    invitation = Invitation.objects.get()

    response = client_for(world.outsider).post(reverse(
        "web:invitation_revoke", kwargs={"org_slug": world.other_org.slug, "invitation_id": invitation.pk}))

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.parametrize("password", ["short1", "password1234", "12345678901234", "new.person@example"])
def test_a_weak_password_is_refused_and_nothing_is_created(world, link, password):
    client = Client()

    response = _accept(client, link, password=password)

    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert 'class="error"' in response.content.decode()
    assert not User.objects.filter(email=EMAIL).exists()
    assert not Membership.objects.filter(user__email=EMAIL).exists()
    assert Invitation.objects.get().is_open
    assert SESSION_KEY not in client.session


def test_mismatched_passwords_are_refused(world, link):
    response = _accept(Client(), link, again="Revontulet-ja-pakkanen-43")

    assert response.status_code == 200
    assert response.context["form"].errors["password_again"]
    assert not User.objects.filter(email=EMAIL).exists()


def test_an_unknown_token_shows_the_invalid_page(db):
    response = Client().get(reverse("accounts:accept_invitation", args=["not-a-real-token"]))

    assert response.status_code == 404
    assert "no longer valid" in response.content.decode()


def test_the_page_is_in_the_organizations_language_unless_the_person_chose_one(world, link):
    page = Client().get(link)
    assert page["Content-Language"] == "fi"
    assert '<html lang="fi">' in page.content.decode()

    chosen = Client()
    chosen.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    page = chosen.get(link)
    assert page["Content-Language"] == "sv"
