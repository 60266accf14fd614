"""Sign-up: checksums of business IDs, the confirmation mail through the outbox, the one transaction that
creates the owner and the organization, and what a taken address or business ID gets (nothing)."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError

from accounts.models import User
from kernel.audit import verify
from kernel.models import AuditAction, AuditEvent
from notify.models import Message, MessageStatus
from tenancy.models import Membership, Organization, OrganizationKey, SignupRequest
from tenancy.roles import Role
from tenancy.signup import organization_sign_up, signup_request
from tenancy.tests.signup_helpers import FINNISH, GOOD_PASSWORD, link_path, mail_body, mail_subject, token_of
from tilli.test import run_worker

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("country", "typed", "stored"), [
    ("FI", "15728600", "1572860-0"), ("FI", " 0737546-2 ", "0737546-2"),
    ("PL", "123-456-32-18", "1234563218"), ("PL", "PL 768 000 24 66", "7680002466"),
])
def test_a_business_id_with_a_right_check_digit_is_stored_in_its_canonical_form(country, typed, stored):
    signup = signup_request(**{**FINNISH, "country": country, "business_id": typed})
    assert signup.business_id == stored


@pytest.mark.parametrize(("country", "typed"), [
    ("FI", "1572860-1"), ("FI", "157286"), ("PL", "1234563219"), ("PL", "123456321"), ("FI", "1234563218"),
])
def test_a_business_id_with_a_wrong_check_digit_is_refused_and_nothing_is_stored(country, typed):
    with pytest.raises(ValidationError) as refused:
        signup_request(**{**FINNISH, "country": country, "business_id": typed})
    assert "business_id" in refused.value.error_dict
    assert not SignupRequest.objects.exists()


def test_the_confirmation_link_goes_through_the_outbox_and_is_wiped_from_it_once_sent(smtp_server):
    signup_request(**FINNISH)
    assert not smtp_server.messages  # nothing is sent in the request
    run_worker()
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == FINNISH["email"]
    assert "Parturi Pihlaja" in mail_subject(mail) and "Vahvista" in mail_subject(mail)  # in the chosen language
    assert link_path(mail_body(mail), "confirm").startswith("/signup/confirm/")
    sent = Message.objects.get()
    assert sent.organization is None and sent.status == MessageStatus.SENT and sent.body == ""


@pytest.mark.parametrize("taken", ["email", "business_id"])
def test_a_taken_address_or_business_id_gets_no_mail_at_all(world, smtp_server, taken):
    details = dict(FINNISH)
    if taken == "email":
        details["email"] = world.reception.user.email.upper()
    else:
        details["business_id"] = world.org.business_id
    signup_request(**details)
    run_worker()
    assert not Message.objects.exists() and not smtp_server.messages


def _confirmed_token(smtp_server) -> str:
    signup_request(**FINNISH)
    run_worker()
    return token_of(link_path(mail_body(smtp_server.wait_for(1)[0]), "confirm"))


def test_confirming_creates_the_owner_and_the_organization_with_keys_and_audit_row(smtp_server):
    membership = organization_sign_up(token=_confirmed_token(smtp_server), password=GOOD_PASSWORD, ip="192.0.2.1")
    organization = membership.organization
    assert membership.role == Role.OWNER and membership.is_active
    assert (organization.name, organization.business_id, organization.default_language) == (
        "Parturi Pihlaja", "1572860-0", "fi")
    assert authenticate(email=FINNISH["email"], password=GOOD_PASSWORD) == membership.user
    assert set(OrganizationKey.objects.filter(organization=organization).values_list("purpose", flat=True)) == {
        "data", "index"}
    created = AuditEvent.objects.filter(organization=organization, action=AuditAction.CREATE,
                                        object_type="tenancy.organization")
    assert created.get().actor_user_id == membership.user.pk
    assert verify(organization).ok


def test_a_confirmation_link_works_once(smtp_server):
    token = _confirmed_token(smtp_server)
    organization_sign_up(token=token, password=GOOD_PASSWORD, ip="192.0.2.1")
    with pytest.raises(ValidationError):
        organization_sign_up(token=token, password=GOOD_PASSWORD, ip="192.0.2.1")
    assert Organization.objects.count() == 1


def test_a_failure_while_creating_leaves_nothing_half_created_and_the_link_usable(smtp_server, monkeypatch):
    token = _confirmed_token(smtp_server)

    def key_store_down(organization_id):
        raise RuntimeError("key store unavailable")

    monkeypatch.setattr("tenancy.services.ensure_keys", key_store_down)
    with pytest.raises(RuntimeError):
        organization_sign_up(token=token, password=GOOD_PASSWORD, ip="192.0.2.1")
    assert not User.objects.filter(email=FINNISH["email"]).exists()
    assert not Organization.objects.exists() and not Membership.objects.exists()
    assert not AuditEvent.objects.exists()
    assert SignupRequest.objects.get().confirmed_at is None
    monkeypatch.undo()
    assert organization_sign_up(token=token, password=GOOD_PASSWORD, ip="192.0.2.1").organization.name == (
        "Parturi Pihlaja")


def test_a_weak_password_is_refused_beside_its_field_and_creates_nothing(smtp_server):
    token = _confirmed_token(smtp_server)
    with pytest.raises(ValidationError) as refused:
        organization_sign_up(token=token, password="pihlaja", ip="192.0.2.1")
    assert "password" in refused.value.error_dict
    assert not Organization.objects.exists() and not User.objects.filter(email=FINNISH["email"]).exists()


def test_an_address_registered_between_asking_and_confirming_is_not_signed_up_twice(smtp_server, world):
    token = _confirmed_token(smtp_server)
    User.objects.create_user(FINNISH["email"], "someone-else-2026!")
    with pytest.raises(ValidationError):
        organization_sign_up(token=token, password=GOOD_PASSWORD, ip="192.0.2.1")
    assert not Organization.objects.filter(business_id="1572860-0").exists()
