"""The operator admin signs in through allauth (throttled, security-logged) and needs a second
factor used in the same session; a password alone never opens it."""

from urllib.parse import urlencode

from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.models import SecurityEvent, SecurityEventKind
from accounts.tests.conftest import current_code, sign_in
from tilli.test import PASSWORD, UserFactory, enable_totp

WRONG = "not-the-password-at-all"
USERS_PAGE = "/admin/accounts/user/"


def _operator(**extra):
    return UserFactory(is_staff=True, is_superuser=True, **extra)


def test_the_admin_sends_a_visitor_to_the_panels_sign_in_page(db):
    response = Client().get(USERS_PAGE, follow=True)

    assert response.redirect_chain[-1][0] == reverse("account_login") + "?" + urlencode({"next": USERS_PAGE})
    assert response.status_code == 200


def test_the_admins_own_password_form_checks_no_password(db):
    operator = _operator()
    client = Client()

    response = client.post(reverse("admin:login"), {"username": operator.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert SESSION_KEY not in client.session
    assert not SecurityEvent.objects.exists()


def test_twenty_five_wrong_passwords_are_throttled_and_then_the_right_one_is_refused(db):
    operator = _operator()
    enable_totp(operator)
    login_page = Client().get(reverse("admin:login")).url  # the sign-in page the admin sends to
    throttled = 0
    for _ in range(25):
        response = Client().post(login_page, {"login": operator.email, "password": WRONG})
        throttled += "Too many failed login attempts" in " ".join(response.context["form"].non_field_errors())

    client = Client()
    response = client.post(login_page, {"login": operator.email, "password": PASSWORD})

    assert throttled == 20  # only five were checked
    assert SecurityEvent.objects.filter(user=operator, kind=SecurityEventKind.SIGN_IN_FAILED).count() == 5
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_a_staff_member_without_two_factor_cannot_reach_admin_pages(db):
    operator = _operator()
    client = Client()
    assert sign_in(client, operator.email, PASSWORD).status_code == 302  # the password alone signs in

    for path in ("/admin/", USERS_PAGE, f"{USERS_PAGE}{operator.pk}/change/"):
        response = client.get(path, follow=True)
        visited = [url for url, _ in response.redirect_chain]
        assert reverse("mfa_activate_totp") in visited, path  # (allauth asks for the password again first)
        assert not any(url.startswith("/admin/") for url in visited[1:]), path
        assert operator.email not in response.content.decode()


def test_a_session_without_the_second_factor_must_enter_it_first(db):
    operator = _operator()
    secret = enable_totp(operator)
    client = Client()
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")  # e.g. signed in before

    response = client.get(USERS_PAGE, follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_reauthenticate") + "?" + urlencode({"next": USERS_PAGE})

    response = client.post(response.redirect_chain[-1][0], {"code": current_code(secret)})
    assert response.url == USERS_PAGE
    assert client.get(USERS_PAGE).status_code == 200


def test_signing_in_with_password_and_code_opens_the_admin(db):
    operator = _operator()
    secret = enable_totp(operator)
    client = Client()
    login_page = client.get("/admin/", follow=True).redirect_chain[-1][0]
    response = client.post(login_page, {"login": operator.email, "password": PASSWORD})
    assert response.url == reverse("mfa_authenticate")

    response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})

    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_colleague_who_is_not_staff_is_refused(world):
    client = Client()
    client.force_login(world.owner.user, backend="django.contrib.auth.backends.ModelBackend")

    assert client.get("/admin/", follow=True).status_code == 403
