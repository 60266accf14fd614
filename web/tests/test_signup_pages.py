"""The sign-up pages: one answer whatever is registered, limits per address and per email, invitation
mode, and a new owner who must set up two-factor sign-in before the panel opens."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client as Browser
from django.urls import reverse

from notify.models import Message
from tenancy.models import Membership, Organization, SignupInvitation, SignupRequest
from tenancy.tests.signup_helpers import FINNISH, GOOD_PASSWORD, link_path, mail_body
from tilli.test import enable_totp, run_worker

pytestmark = pytest.mark.django_db
THROTTLED = "Too many requests"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # allauth's own throttles live in the cache
    yield
    cache.clear()


def browser(ip: str = "198.51.100.20") -> Browser:
    return Browser(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en")


def test_the_answer_is_the_same_for_a_new_a_registered_address_and_a_registered_business(world):
    answers = []
    for details in (FINNISH, {**FINNISH, "email": world.owner.user.email},
                    {**FINNISH, "email": "other@pihlaja.example", "business_id": world.org.business_id}):
        response = browser().post(reverse("web:signup"), details)
        answers.append((response.status_code, response["Location"]))
    assert answers == [(302, reverse("web:signup_sent"))] * 3
    page = browser().get(reverse("web:signup_sent")).content.decode()
    assert "If the address and the business ID can be used" in page


def test_a_wrong_business_id_is_shown_beside_its_field_and_keeps_what_was_typed():
    response = browser().post(reverse("web:signup"), {**FINNISH, "business_id": "1572860-1"})
    page = response.content.decode()
    assert response.status_code == 200 and "Enter a valid Finnish business ID" in page
    assert 'value="Parturi Pihlaja"' in page and not SignupRequest.objects.exists()


def test_each_email_address_asks_for_a_limited_number_of_links_a_day(settings):
    settings.SIGNUP_PER_EMAIL = 2
    answers = [browser(f"198.51.100.{30 + n}").post(reverse("web:signup"), FINNISH).status_code for n in range(3)]
    assert answers == [302, 302, 200]
    assert SignupRequest.objects.count() == 2


def test_each_caller_is_held_to_the_limit_shared_by_every_public_write(settings):
    settings.PUBLIC_WRITES_PER_IP = 2
    answers = [browser().post(reverse("web:signup"), {**FINNISH, "email": f"p{n}@pihlaja.example"})
               for n in range(3)]
    assert [a.status_code for a in answers] == [302, 302, 200]
    assert THROTTLED in answers[2].content.decode() and SignupRequest.objects.count() == 2


def _confirm_path(smtp_server) -> str:
    before = len(smtp_server.messages)
    run_worker()
    return link_path(mail_body(smtp_server.wait_for(before + 1)[before]), "confirm")


def test_the_new_owner_chooses_a_password_then_must_set_up_two_factor_sign_in(smtp_server):
    visitor = browser()
    visitor.post(reverse("web:signup"), FINNISH)
    path = _confirm_path(smtp_server)
    assert "Parturi Pihlaja" in visitor.get(path).content.decode()
    assert not Organization.objects.exists()  # opening the link (a mail scanner too) creates nothing
    response = visitor.post(path, {"password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD})
    organization = Organization.objects.get()
    assert response["Location"] == reverse("web:dashboard", kwargs={"org_slug": organization.slug})
    assert visitor.get(response["Location"])["Location"] == reverse("mfa_activate_totp")
    assert visitor.get(path).status_code == 404  # used


def test_a_mismatched_password_is_refused_and_the_link_still_works(smtp_server):
    browser().post(reverse("web:signup"), FINNISH)
    path = _confirm_path(smtp_server)
    response = browser().post(path, {"password": GOOD_PASSWORD, "password_again": "something else"})
    assert "The passwords do not match." in response.content.decode() and not Organization.objects.exists()
    assert browser().get(path).status_code == 200


def test_in_invitation_mode_only_an_operators_link_signs_up_and_only_once(settings, smtp_server):
    settings.SIGNUP_MODE = "invitation"
    assert browser().get(reverse("web:signup")).status_code == 403
    assert browser().post(reverse("web:signup"), FINNISH).status_code == 403
    assert not SignupRequest.objects.exists()

    call_command("signup_invite", email="Pirjo@Pihlaja.example", language="fi")
    run_worker()
    invitation_mail = smtp_server.wait_for(1)[0]
    invited = link_path(mail_body(invitation_mail), "invited")
    assert Message.objects.get().body == ""  # the link lives only in the mail
    typed_other = {**FINNISH, "email": "someone.else@example.test"}
    assert browser().post(invited, typed_other)["Location"] == reverse("web:signup_sent")
    assert SignupRequest.objects.get().email == "pirjo@pihlaja.example"  # the invited address, not the typed one

    confirm = _confirm_path(smtp_server)
    browser().post(confirm, {"password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD})
    assert Organization.objects.count() == 1 and SignupInvitation.objects.get().used_at is not None
    assert browser().get(invited).status_code == 404


def test_an_unknown_confirmation_or_invitation_link_is_not_found():
    assert browser().get(reverse("web:signup_confirm", args=["nope"])).status_code == 404
    assert browser().get(reverse("web:signup_invited", args=["nope"])).status_code == 404


def test_a_signed_up_owner_reaches_only_their_own_organization(world, smtp_server):
    visitor = browser()
    visitor.post(reverse("web:signup"), FINNISH)
    path = _confirm_path(smtp_server)
    visitor.post(path, {"password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD})
    own = Organization.objects.get(business_id="1572860-0")
    owner = Membership.objects.get(organization=own).user
    enable_totp(owner)
    visitor.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    assert visitor.get(reverse("web:dashboard", kwargs={"org_slug": own.slug})).status_code == 200
    for name in ("web:dashboard", "web:staff", "web:client_list"):
        assert visitor.get(reverse(name, kwargs={"org_slug": world.org.slug})).status_code == 404
    assert visitor.post(reverse("web:setup_checklist_hide", kwargs={"org_slug": world.org.slug})).status_code == 404
