"""What every anonymous write must pass: one limit per caller over all of them, and for a booking a
proof of work, a cap per organization and a cap per email address. The reasoning: docs/public-writes.md.

Every public POST (the booking page and API, the portal's sign-in, the contact form, moving or
cancelling through a booking's link) counts against one counter per caller: an address, or an
IPv6 /64. The counters are rows counted atomically in the database (tenancy.ratelimit), so the
limit holds exactly under any concurrency, across processes and servers.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from tenancy.models import Organization
from tenancy.ratelimit import first_use, over_limit
from tilli.lib import proof_of_work
from tilli.lib.client_ip import client_network


class WriteRefused(Exception):
    """A public write was refused before it was tried; `code` for the API, `message` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code, self.message = code, message


def count_public_write(request: HttpRequest) -> None:
    """Count one anonymous write of this caller; raise WriteRefused("throttled") over the limit."""
    if over_limit(f"public-write:{client_network(request)}", settings.PUBLIC_WRITES_PER_IP,
                  settings.PUBLIC_WRITES_WINDOW_SECONDS):
        raise WriteRefused("throttled", _("Too many requests. Try again in a few minutes."))


def _scope(organization: Organization) -> str:
    return f"booking:{organization.pk}"


def booking_challenge(organization: Organization) -> str:
    """A fresh proof-of-work challenge for one booking at this organization."""
    return proof_of_work.issue(_scope(organization), settings.PUBLIC_WRITES_PROOF_BITS)


def check_public_booking(*, request: HttpRequest, organization: Organization, email: str, challenge: str,
                         proof: str, counted: bool = False) -> None:
    """Everything an anonymous booking must pass, in order: the caller's limit (unless the caller
    `counted` this request already), a fresh proof of work used once, the organization's cap and the
    email address's cap. Raises WriteRefused."""
    if not counted:
        count_public_write(request)
    valid = proof_of_work.verify(challenge, proof, scope=_scope(organization),
                                 bits=settings.PUBLIC_WRITES_PROOF_BITS,
                                 max_age=settings.PUBLIC_WRITES_PROOF_SECONDS)
    if not valid or not first_use(f"proof:{challenge}", settings.PUBLIC_WRITES_PROOF_SECONDS):
        raise WriteRefused("proof_invalid", _("The page could not check that a person is booking. Reload the page "
                                              "and try again (it needs JavaScript for a moment's calculation)."))
    if over_limit(f"bookings:organization:{organization.pk}", settings.PUBLIC_BOOKINGS_PER_ORGANIZATION,
                  settings.PUBLIC_BOOKINGS_ORGANIZATION_WINDOW_SECONDS):
        raise WriteRefused("busy", _("Online booking is very busy just now. Please try again in a while, or "
                                     "contact us."))
    if over_limit(f"bookings:email:{organization.pk}:{email.strip().lower()}", settings.PUBLIC_BOOKINGS_PER_EMAIL,
                  settings.PUBLIC_BOOKINGS_EMAIL_WINDOW_SECONDS):
        raise WriteRefused("email_limit", _("This email address has already booked several times today. To book "
                                            "more, please contact us."))
