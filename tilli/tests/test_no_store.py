"""No answer of the panel, the portal, the API, the account pages, the admin or the public booking
pages may be cached: every URL pattern is walked as an anonymous visitor, a signed-in owner (with
an API token) and a portal client, and every response must say `no-store`."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import get_resolver, reverse
from django.utils import timezone

from api.services import api_token_create
from booking.notifications import manage_token
from clients.portal import SESSION_KEY as PORTAL_SESSION_KEY
from kernel.audit import Actor
from tenancy.tests.test_tenant_sweep import OBJECT_KWARGS, _walk, build_objects
from tilli.middleware import NoStoreMiddleware
from tilli.test import World, operator_client

# URL keywords outside the panel, and how to fill them.
PUBLIC_KWARGS = {
    "portal_slug": lambda world, objs: world.org.slug,
    "token": lambda world, objs: manage_token(objs["appointment"]),  # a real booking link; elsewhere a bad token
    "version": lambda world, objs: 1,
    "key": lambda world, objs: "not-a-key",
    "uidb36": lambda world, objs: "1",
    "organization_id": lambda world, objs: world.org.pk,  # the operator's console
    "subprocessor_id": lambda world, objs: 1,
    "name": lambda world, objs: "booking-page/0/none.png",  # a picture name (web.tests.test_booking_page: real ones)
    "stamp": lambda world, objs: "0" * 32,  # an online payment's reference (none: the payment pages answer 404)
    "gateway_name": lambda world, objs: "stripe",  # a gateway's notification (not offered by the test settings)
}


def _routes() -> list[str]:
    return sorted({route for route, _ in _walk(get_resolver().url_patterns) if not route.startswith("admin/")})


def _fill(route: str, world: World, objs: dict) -> str:
    fillers = {**OBJECT_KWARGS, **PUBLIC_KWARGS, "org_slug": lambda world, objs: world.org.slug}

    def value(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        if name not in fillers:
            pytest.fail(f"The no-store sweep does not know URL keyword {name!r} in {route}: add it to PUBLIC_KWARGS.")
        return str(fillers[name](world, objs))

    path = re.sub(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>", value, route)  # regex and path() routes alike
    return "/" + path.replace("^", "").replace("$", "")


def _visitors(world: World, objs: dict, client_for) -> dict[str, tuple[Client, dict]]:
    _, secret = api_token_create(membership=world.owner, name="no-store", actor=Actor.system("test"))
    portal = Client(raise_request_exception=False)
    session = portal.session
    session[PORTAL_SESSION_KEY] = {"organization": world.org.pk, "client": objs["client"].pk,
                                   "at": int(timezone.now().timestamp())}
    session.save()
    owner = client_for(world.owner)
    owner.raise_request_exception = False
    return {
        "anonymous": (Client(raise_request_exception=False), {}),
        "owner": (owner, {"Authorization": f"Bearer {secret}"}),
        "portal client": (portal, {}),
    }


def test_every_page_and_api_answer_says_no_store(world, client_for):
    objs = build_objects(world)
    routes = _routes()
    assert {"o/", "p/", "b/", "api/", "accounts/"} <= {route.split("/")[0] + "/" for route in routes}
    for who, (browser, headers) in _visitors(world, objs, client_for).items():
        for route in routes:
            url = _fill(route, world, objs)
            response = browser.get(url, headers=headers)
            assert "no-store" in response.get("Cache-Control", ""), (who, url, response.status_code)


def test_every_admin_page_says_no_store(db):
    operator = operator_client()
    urls = [reverse("admin:index")] + [reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
                                       for model in admin.site._registry]
    for url in urls:
        response = operator.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


# --- the rule itself -------------------------------------------------------------------------------------

def _through_middleware(path: str, *, cache_control: str = "", user=None, session_data: dict | None = None):
    def view(request):
        response = HttpResponse("page")
        if cache_control:
            response["Cache-Control"] = cache_control
        return response

    request = RequestFactory().get(path)
    request.user = user or AnonymousUser()
    request.session = SessionStore()
    request.session.update(session_data or {})
    return NoStoreMiddleware(view)(request)


def test_a_static_file_keeps_its_own_caching():
    response = _through_middleware("/static/web/app.css", cache_control="public, max-age=31536000")

    assert response["Cache-Control"] == "public, max-age=31536000"


def test_a_page_without_an_opinion_is_not_stored():
    response = _through_middleware("/b/salon/")

    assert response["Cache-Control"] == "no-store, private"
    assert response["Pragma"] == "no-cache"


def test_a_public_page_may_choose_caching_for_an_anonymous_visitor_only():
    assert _through_middleware("/b/salon/privacy/", cache_control="public, max-age=300")[
        "Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize("case", ["signed-in staff", "portal session", "panel path"])
def test_personal_answers_are_never_cacheable_whatever_the_view_says(world, case):
    kwargs = {"signed-in staff": {"user": world.owner.user},
              "portal session": {"session_data": {PORTAL_SESSION_KEY: {"client": 1}}},
              "panel path": {}}[case]
    path = f"/o/{world.org.slug}/clients/" if case == "panel path" else "/b/salon/privacy/"

    response = _through_middleware(path, cache_control="public, max-age=300", **kwargs)

    assert response["Cache-Control"] == "no-store, private"
