"""Owners (MFA_REQUIRED_ROLES) must turn on two-factor sign-in before they use the panel."""

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client
from django.urls import reverse

from accounts.models import SecurityEvent, SecurityEventKind
from accounts.tests.conftest import current_code, sign_in
from tenancy.models import Membership
from tenancy.roles import Role
from tilli.test import PASSWORD, add_member, has_totp, make_organization


def _dashboard(org) -> str:
    return reverse("web:dashboard", kwargs={"org_slug": org.slug})


def test_owner_without_totp_is_sent_to_set_it_up(db, client_for):
    org = make_organization()
    owner = Membership.objects.get(organization=org, role=Role.OWNER)
    assert not has_totp(owner.user)

    for url in (_dashboard(org), reverse("web:staff", kwargs={"org_slug": org.slug})):
        response = client_for(owner).get(url)
        assert response.status_code == 302
        assert response.url == reverse("mfa_activate_totp")


def test_practitioner_without_totp_is_not_redirected(world, client_for):
    assert not has_totp(world.practitioner.user)

    response = client_for(world.practitioner).get(_dashboard(world.org))

    assert response.status_code == 200


def test_owner_with_totp_reaches_the_panel(world, client_for):
    response = client_for(world.owner).get(_dashboard(world.org))

    assert response.status_code == 200


def test_owner_without_totp_sets_it_up_and_then_reaches_the_panel(db, django_capture_on_commit_callbacks):
    org = make_organization()
    user = Membership.objects.get(organization=org, role=Role.OWNER).user
    client = Client()
    assert sign_in(client, user.email, PASSWORD).status_code == 302

    response = client.get(_dashboard(org))
    assert response.url == reverse("mfa_activate_totp")
    # allauth asks for the password again before a security change, even right after sign-in.
    response = client.get(response.url)
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals the change on commit
        activated = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})

    assert activated.status_code == 302
    assert has_totp(user)
    assert client.get(_dashboard(org)).status_code == 200
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEventKind.MFA_ENABLED).count() == 1


def test_turning_totp_off_is_logged_once_and_the_owner_must_set_it_up_again(
        world, django_capture_on_commit_callbacks):
    client = Client()
    user = world.owner.user
    RecoveryCodes.activate(user)  # as allauth does when TOTP is set up in the browser
    sign_in(client, user.email, PASSWORD)
    client.post(reverse("mfa_authenticate"), {"code": current_code(world.owner_totp)})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user).exists()
    assert SecurityEvent.objects.filter(user=user, kind=SecurityEventKind.MFA_DISABLED).count() == 1
    assert client.get(_dashboard(world.org)).url == reverse("mfa_activate_totp")


def test_recovery_codes_alone_do_not_count_as_two_factor_sign_in(world):
    # E.g. the operator deleted the owner's authenticator in the admin: the codes remain,
    # and allauth no longer asks for a second factor at sign-in.
    user = world.owner.user
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    RecoveryCodes.activate(user)
    client = Client()
    assert sign_in(client, user.email, PASSWORD).url == reverse("web:home")

    response = client.get(_dashboard(world.org))

    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_the_requirement_follows_the_role_in_the_organization_opened(world, client_for):
    org = make_organization()
    owner = Membership.objects.get(organization=org, role=Role.OWNER)
    as_practitioner = add_member(world.org, Role.PRACTITIONER, user=owner.user)

    assert client_for(owner).get(_dashboard(org)).url == reverse("mfa_activate_totp")
    assert client_for(as_practitioner).get(_dashboard(world.org)).status_code == 200
