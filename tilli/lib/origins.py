"""A website's origin (scheme, host and port), as a Content-Security-Policy source names it.

The owner types their website's address; only an https origin (http for localhost while testing) with no
path, query, wildcard, quote or space may reach the `frame-ancestors` directive, so the value can
neither widen the policy nor break out of it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
_LOCAL = frozenset({"localhost", "127.0.0.1"})


def normalise_origin(value: str) -> str:
    """`https://Www.Salon.fi/` becomes `https://www.salon.fi`; anything that is not an origin is refused."""
    value = (value or "").strip()
    if not value:
        return ""
    refusal = ValidationError(_("Give your website's address as https://www.example.fi, without a path."),
                              code="origin")
    if any(c in value for c in " \t\"';,*"):
        raise refusal
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise refusal from None
    host = (parts.hostname or "").lower()
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise refusal
    if not _HOST.match(host) or not (parts.scheme == "https" or (parts.scheme == "http" and host in _LOCAL)):
        raise refusal
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")
