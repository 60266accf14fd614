"""Owners invite staff from the staff page; the invitation arrives by email in the
organization's language, with a link that works once."""

import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from accounts.models import Invitation
from accounts.tests.conftest import accept_path, mail_text, translated
from kernel.models import AuditAction, AuditEvent
from tenancy.roles import Role


def test_owner_invites_and_the_email_arrives_with_an_accept_link(world, invite):
    response, message = invite(world.owner, " New.Person@Example.TEST ", Role.PRACTITIONER)

    assert response.status_code == 302
    assert response.url == reverse("web:staff", kwargs={"org_slug": world.org.slug})
    invitation = Invitation.objects.get(organization=world.org)
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "new.person@example.test", Role.PRACTITIONER, world.owner.user)
    assert invitation.is_open
    assert message["To"] == "new.person@example.test"
    subject, body = mail_text(message)
    assert "Salon Aurora" in subject
    path = accept_path(body)
    assert path.startswith("/accounts/invitations/")
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 40
    assert token not in str(Invitation.objects.filter(pk=invitation.pk).values().get())  # stored hashed only


def test_the_email_is_in_the_organizations_language(world, invite):
    _response, finnish = invite(world.owner, "uusi@example.test", Role.RECEPTION)
    _response, polish = invite(world.outsider, "nowy@example.test", Role.RECEPTION)

    for message, org, language in ((finnish, world.org, "fi"), (polish, world.other_org, "pl")):
        invitation = Invitation.objects.get(organization=org)
        subject, body = mail_text(message)
        with translation.override(language), timezone.override(org.time_zone):
            expected_subject = translation.gettext("You are invited to %(organization)s on Tilli") % {
                "organization": org.name}
            expiry = formats.date_format(timezone.localtime(invitation.expires_at), "SHORT_DATE_FORMAT")
            role = str(Role(invitation.role).label)
        assert subject == expected_subject
        assert expiry in body
        assert role in body
    # Finnish dates read 1.12.2026, Polish ones 01-12-2026.
    assert re.search(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b", mail_text(finnish)[1])
    assert re.search(r"\b\d{2}-\d{2}-\d{4}\b", mail_text(polish)[1])


def test_the_invitation_is_audited_without_the_email_address(world, invite):
    invite(world.owner, "new.person@example.test", Role.PRACTITIONER)

    invitation = Invitation.objects.get()
    event = AuditEvent.objects.for_organization(world.org).get(object_type="accounts.invitation")
    assert event.action == AuditAction.CREATE
    assert event.object_id == str(invitation.pk)
    assert event.actor_user_id == world.owner.user.pk
    assert event.detail == {"role": Role.PRACTITIONER}
    assert "new.person" not in str(AuditEvent.objects.filter(pk=event.pk).values().get())


def test_reception_cannot_invite(world, invite, smtp_server):
    response, message = invite(world.reception, "new.person@example.test", Role.OWNER)

    assert response.status_code == 404
    assert message is None
    assert not Invitation.objects.exists()
    assert smtp_server.messages == []


def test_an_active_member_cannot_be_invited_again(world, invite, smtp_server):
    response, _message = invite(world.owner, world.practitioner.user.email, Role.RECEPTION)

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        translated("fi", "This person is already a member of the staff.")]
    assert not Invitation.objects.exists()
    assert smtp_server.messages == []


@pytest.mark.parametrize("server_time_zone", ["Etc/GMT+12", "Pacific/Kiritimati"])
def test_the_expiry_date_is_given_in_the_organizations_time_zone(world, invite, settings, server_time_zone):
    # Between them, these two server zones fall on another date than Warsaw at any hour.
    settings.TIME_ZONE = server_time_zone

    _response, message = invite(world.outsider, "nowy@example.test", Role.RECEPTION)

    invitation = Invitation.objects.get()
    with translation.override("pl"):
        expiry = formats.date_format(
            timezone.localtime(invitation.expires_at, zoneinfo.ZoneInfo("Europe/Warsaw")), "SHORT_DATE_FORMAT")
    assert expiry in mail_text(message)[1]
