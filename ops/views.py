"""The operator's probes: /healthz (the process answers), /readyz (it can do its work), /metrics (Prometheus).

None of them needs a session or a tenant; /metrics needs the bearer token in METRICS_TOKEN and does
not exist without one.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_safe
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ops import health, metrics


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: answers without touching the database, so a database outage does not restart the web servers."""
    return JsonResponse({"status": "ok"})


@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks = health.readiness()
    body = health.as_json(checks)
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(offered.strip().encode(), token.encode()):
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(metrics.exposition_registry()), content_type=CONTENT_TYPE_LATEST)
