"""Nothing Tilli answers is kept by a browser's disk cache, a shared computer's back button or a proxy.

A client page, a calendar or a portal page cached by the browser can be read later from the disk
or by the next person at a shared reception computer; one cached by a proxy can be served to
someone else. So every response says `Cache-Control: no-store, private` unless it is a static
file, or a view chose its own caching for an anonymous visitor outside the areas that always hold
personal data. No page does that today: every HTML page carries a CSRF token (the language
switch) and a CSP nonce, which must not be shared between visitors either.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

NO_STORE = "no-store, private"

# The staff panel, the portal, the API, sign-in and account pages, the operator admin, calendar
# feeds and unsubscribe links: personal whatever the view says.
PERSONAL_PREFIXES = ("/o/", "/p/", "/api/", "/accounts/", "/account/", "/admin/", "/feeds/", "/u/", "/operator/",
                     "/contract-data/")


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = urlsplit(settings.STATIC_URL).path
        if not self.static_prefix.startswith("/"):
            self.static_prefix = "/" + self.static_prefix

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.path.startswith(self.static_prefix):
            return response
        chosen = response.get("Cache-Control", "")
        if "no-store" in chosen:
            return response
        if not chosen or _personal(request):
            response["Cache-Control"] = NO_STORE
            response["Pragma"] = "no-cache"  # HTTP/1.0 caches
        return response


def _personal(request: HttpRequest) -> bool:
    """Whether the answer may hold personal data however the view marked it."""
    if request.path.startswith(PERSONAL_PREFIXES):
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    session = getattr(request, "session", None)
    if session is not None and not session.is_empty():
        return True  # e.g. a portal session, or a booking in progress
    match = request.resolver_match
    return match is not None and "token" in match.kwargs  # a capability link (booking confirmation, manage)
