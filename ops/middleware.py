"""Per request: a request id in every log line and in the answer, the latency by route, one access line.

The id comes from the proxy's X-Request-ID when it looks like one (so a line in the proxy's log
and ours match), else a fresh one. The route is the URL pattern's name, never the path: paths hold
tokens and ids, and a query string can hold whatever someone typed.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

from ops import metrics
from tilli.lib.logging import request_id_var

logger = logging.getLogger("tilli.access")

_VALID_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unresolved>"
    return match.view_name or "<unnamed>"


class RequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if _VALID_ID.fullmatch(offered) else uuid.uuid4().hex
        request.request_id = request_id
        # Kept until the request is finished (see below): Django logs a 4xx or 5xx answer after the
        # middleware has returned it.
        request_id_var.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = route_of(request)
        metrics.observe_request(route=route, method=request.method or "", status=response.status_code,
                                seconds=elapsed)
        if route != "ops:metrics":  # the scraper every 15 seconds is noise
            logger.info("%s %s %s", request.method, route, response.status_code,
                        extra={"route": route, "status": response.status_code, "duration_ms": round(elapsed * 1000, 1)})
        response["X-Request-ID"] = request_id
        return response


@receiver(request_finished, dispatch_uid="ops.middleware.forget_request_id")
def _forget_request_id(sender, **kwargs) -> None:
    request_id_var.set("-")
