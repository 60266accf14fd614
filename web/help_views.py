"""The guide's pages: the staff guide at /help/ (signed-in), the clients' guide under each organization's
booking address (/b/<slug>/help/), so it carries the business's name and speaks a language the business
offers. Each has a topic index with a search, a page per topic and the whole guide on one printable page.
Nothing here writes; the guide holds no personal data.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from tenancy.models import Membership
from tenancy.public import public_organization
from web.help import TOPICS, Audience, Topic, search, topic_text

MAX_QUERY = 100
STAFF_CONTEXT = {"base_template": "base.html"}


def _topic(audience: Audience, slug: str) -> Topic:
    try:
        return TOPICS[audience][slug]
    except KeyError:
        raise Http404 from None


def _index(request: HttpRequest, audience: Audience, root: str, context: dict) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_QUERY].strip()
    hits = search(audience, translation.get_language(), query) if query else None
    return render(request, "help/index.html", {**context, "audience": audience, "topics": TOPICS[audience].values(),
                                                "query": query, "hits": hits, "help_root": root})


def _page(request: HttpRequest, audience: Audience, topic: Topic, root: str, context: dict) -> HttpResponse:
    body = topic_text(topic, translation.get_language(), root)
    return render(request, "help/topic.html", {**context, "audience": audience, "topic": topic, "body": body,
                                                "help_root": root, "topics": TOPICS[audience].values()})


def _print(request: HttpRequest, audience: Audience, root: str, context: dict) -> HttpResponse:
    language = translation.get_language()
    sections = [(topic, topic_text(topic, language, root)) for topic in TOPICS[audience].values()]
    return render(request, "help/print.html", {**context, "audience": audience, "sections": sections,
                                                "help_root": root})


@login_required
def staff_index(request: HttpRequest) -> HttpResponse:
    """The staff guide's topics, and the clients' guide of each organization the person works for, so
    staff can read what their clients are told."""
    organizations = [m.organization for m in Membership.objects.filter(user=request.user, is_active=True)
                     .select_related("organization").order_by("organization__name")]
    return _index(request, Audience.STAFF, reverse("help:index"), {**STAFF_CONTEXT, "organizations": organizations})


@login_required
def staff_topic(request: HttpRequest, topic: str) -> HttpResponse:
    return _page(request, Audience.STAFF, _topic(Audience.STAFF, topic), reverse("help:index"), STAFF_CONTEXT)


@login_required
def staff_print(request: HttpRequest) -> HttpResponse:
    return _print(request, Audience.STAFF, reverse("help:index"), STAFF_CONTEXT)


def _client_context(request: HttpRequest, booking_slug: str) -> tuple[str, dict]:
    organization = public_organization(booking_slug, request)
    return reverse("public_booking:help", args=[organization.slug]), {"booking_org": organization,
                                                                          "base_template": "public_base.html"}


def client_index(request: HttpRequest, booking_slug: str) -> HttpResponse:
    root, context = _client_context(request, booking_slug)
    return _index(request, Audience.CLIENT, root, context)


def client_topic(request: HttpRequest, booking_slug: str, client_topic: str) -> HttpResponse:
    topic = _topic(Audience.CLIENT, client_topic)
    root, context = _client_context(request, booking_slug)
    return _page(request, Audience.CLIENT, topic, root, context)


def client_print(request: HttpRequest, booking_slug: str) -> HttpResponse:
    root, context = _client_context(request, booking_slug)
    return _print(request, Audience.CLIENT, root, context)
