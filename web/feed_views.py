"""Calendar feeds: a staff member manages their secret address; calendar apps fetch it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from booking.feeds import feed_create, feed_for_token, feed_ics, feed_revoke
from booking.models import CalendarFeed, Resource
from privacy.audit import actor_for_request
from tenancy.access import require_perm, scoped
from tenancy.roles import Perm


def calendar_feed(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.VIEW_CALENDAR)
    resource = scoped(request, Resource).filter(membership=request.membership).first()
    if resource is None:
        raise Http404
    address = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            feed_revoke(resource=resource, actor=actor_for_request(request))
            messages.success(request, _("The calendar address no longer works."))
        else:
            _feed, token = feed_create(resource=resource, actor=actor_for_request(request))
            address = request.build_absolute_uri(reverse("web:feed", args=[token]))
    active = CalendarFeed.objects.filter(resource=resource, revoked_at=None).first()
    return render(request, "web/calendar_feed.html", {"resource": resource, "active": active, "address": address})


def feed(request: HttpRequest, token: str) -> HttpResponse:
    found = feed_for_token(token)
    if found is None:
        raise Http404
    response = HttpResponse(feed_ics(found), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
