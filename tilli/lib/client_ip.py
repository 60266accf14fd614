"""The one answer to "which address is this request from?", for throttles, the audit and security logs.

Behind proxies the TCP peer (`REMOTE_ADDR`) is the nearest proxy, and `X-Forwarded-For` holds the
chain: each proxy appends the address it received the request from. Only the entries appended by
proxies we run can be trusted; anything to their left was written by the caller and may be forged.
With `TRUSTED_PROXY_COUNT = N` the client is therefore the N-th entry from the right: a caller who
sends `X-Forwarded-For: 1.2.3.4` only adds entries to the left of the ones we read. With N = 0 (no
proxy) the header is ignored. The application port must be reachable only through the proxies.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The caller's address, normalised (IPv4-mapped IPv6 as IPv4, no port); "" when unknown."""
    peer = _clean(request.META.get("REMOTE_ADDR", ""))
    trusted = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted <= 0 or not forwarded:
        return peer or ""
    chain = [entry.strip() for entry in forwarded.split(",")]
    # Fewer entries than trusted proxies: the request skipped an outer proxy, and every entry
    # present was written by one of ours, so the leftmost is the farthest address we can trust.
    entry = chain[-trusted] if len(chain) >= trusted else chain[0]
    return _clean(entry) or peer or ""


def _clean(value: str) -> str | None:
    """A valid address in canonical form, without a port or IPv6 brackets; None for anything else."""
    value = value.strip()
    if value.startswith("["):  # [2001:db8::1]:443
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:  # 192.0.2.1:443
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def client_network(request: HttpRequest) -> str:
    """The caller's address as request limits count it: IPv4 as is, IPv6 by its /64 prefix.

    One subscriber or server is routinely given a whole /64, so counting single IPv6 addresses would
    let one caller take 2**64 fresh ones.
    """
    address = client_ip(request)
    if ":" not in address:
        return address
    return str(ipaddress.ip_network(f"{address}/64", strict=False))
