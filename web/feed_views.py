"""Calendar feeds: a staff member manages their secret address; calendar apps fetch it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from booking.feeds import feed_create, feed_detail_set, feed_for_token, feed_ics, feed_revoke
from booking.models import CalendarFeed, FeedDetail, Resource
from kernel.audit import actor_for_request
from tenancy.access import require_perm, scoped
from tenancy.roles import Perm


class FeedDetailForm(forms.Form):
    detail = forms.ChoiceField(label=gettext_lazy("What your calendar shows of the client"), choices=FeedDetail.choices,
                               widget=forms.RadioSelect)


def calendar_feed(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.VIEW_CALENDAR)
    resource = scoped(request, Resource).filter(membership=request.membership).first()
    if resource is None:
        raise Http404
    address = None
    detail_form = FeedDetailForm(initial={"detail": resource.feed_detail})
    if request.method == "POST" and request.POST.get("action") == "detail":
        detail_form = FeedDetailForm(request.POST)
        if detail_form.is_valid():
            try:
                feed_detail_set(resource=resource, detail=detail_form.cleaned_data["detail"],
                                actor=actor_for_request(request))
            except ValidationError as error:
                detail_form.add_error(None, error)
            else:
                messages.success(request, _("Saved. Calendar apps show the change when they next read the address."))
                return redirect("web:calendar_feed", org_slug=request.organization.slug)
    elif request.method == "POST":
        if request.POST.get("action") == "revoke":
            feed_revoke(resource=resource, actor=actor_for_request(request))
            messages.success(request, _("The calendar address no longer works."))
        else:
            _feed, token = feed_create(resource=resource, actor=actor_for_request(request))
            address = request.build_absolute_uri(reverse("web:feed", args=[token]))
    active = CalendarFeed.objects.filter(resource=resource, revoked_at=None).first()
    return render(request, "web/calendar_feed.html", {"resource": resource, "active": active, "address": address,
                                                      "detail_form": detail_form})


def feed(request: HttpRequest, token: str) -> HttpResponse:
    found = feed_for_token(token)
    if found is None:
        raise Http404
    response = HttpResponse(feed_ics(found), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
