"""Only the operator's staff under the operator's rule open the console: an active staff account that used its
second factor in this session. Everyone else is sent to the step they miss or refused, on every console page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from console import urls as console_urls
from privacy.models import SubProcessor
from tilli.test import UserFactory, enable_totp


def _console_urls(world) -> list[tuple[str, str]]:
    """(method, url) of every console route, filled with an object of the world."""
    subprocessor = SubProcessor.objects.create(name="Postia Oy", address="Postikatu 1", country="FI",
                                               purpose="Email", location="Finland", data_categories="email")
    kwargs = {"organization_id": world.org.pk, "subprocessor_id": subprocessor.pk, "access_id": 1}
    found = []
    for pattern in console_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        names = set(pattern.pattern.converters)
        assert names <= set(kwargs), f"teach this test the keyword(s) {names - set(kwargs)}"
        url = reverse(f"console:{pattern.name}", kwargs={name: kwargs[name] for name in names})
        found.append(("get", url))
        found.append(("post", url))
    return found


def test_every_console_route_is_known_to_the_resolver(world):
    assert all(url.startswith("/operator/") for _, url in _console_urls(world))
    assert get_resolver().resolve("/operator/").url_name == "organizations"


def test_an_anonymous_visitor_is_sent_to_sign_in(world):
    for method, url in _console_urls(world):
        response = getattr(Client(), method)(url)
        assert response.status_code in (302, 405), (method, url)
        if response.status_code == 302:
            assert response.url.startswith(reverse("account_login")), (method, url)


@pytest.mark.parametrize("role", ["owner", "practitioner", "reception", "accountant"])
def test_a_member_of_an_organization_is_refused(world, client_for, role):
    client = client_for(world.member(role))
    for method, url in _console_urls(world):
        assert getattr(client, method)(url).status_code in (403, 405), (method, url)


def test_staff_without_a_second_factor_is_sent_to_set_one_up(world):
    client = Client()
    client.force_login(UserFactory(is_staff=True), backend="django.contrib.auth.backends.ModelBackend")
    for method, url in _console_urls(world):
        response = getattr(client, method)(url)
        assert response.status_code in (302, 405), (method, url)
        if response.status_code == 302:
            assert response.url == reverse("mfa_activate_totp"), (method, url)


def test_staff_who_signed_in_with_a_password_only_must_enter_the_code(world):
    staff = UserFactory(is_staff=True)
    enable_totp(staff)
    client = Client()
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    for method, url in _console_urls(world):
        response = getattr(client, method)(url)
        assert response.status_code in (302, 405), (method, url)
        if response.status_code == 302:
            assert response.url.startswith(reverse("mfa_reauthenticate")), (method, url)


def test_an_inactive_staff_account_is_refused(world, operator, operator_user):
    operator_user.is_active = False
    operator_user.save(update_fields=["is_active"])
    response = operator.get(reverse("console:organizations"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_the_operator_opens_the_console(world, operator):
    for url in (reverse("console:organizations"), reverse("console:log"), reverse("console:subprocessors"),
                reverse("console:organization", kwargs={"organization_id": world.org.pk})):
        assert operator.get(url).status_code == 200, url
