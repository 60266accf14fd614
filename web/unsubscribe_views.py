"""One-click unsubscribe from marketing, without signing in (RFC 8058 List-Unsubscribe-Post)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from notify.unsubscribe import client_for_token, unsubscribe
from tenancy.public import public_organization


@csrf_exempt  # the signed token is the authority; mail clients POST "List-Unsubscribe=One-Click" without a form
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    found = client_for_token(token)
    if found is None:
        return render(request, "web/unsubscribe.html", {"invalid": True}, status=404)
    client, channel = found
    # The client's page, in their language; an objection to marketing is honoured even while suspended.
    public_organization(client.organization.slug, request, client, while_unavailable=True)
    context = {"portal_org": client.organization, "channel": channel}
    if request.method == "POST":
        unsubscribe(token)
        return render(request, "web/unsubscribe.html", {**context, "done": True})
    return render(request, "web/unsubscribe.html", context)
