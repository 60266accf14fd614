"""What the public booking page serves besides its steps: the business's colours as a stylesheet, its
pictures, and the framing policy that lets only the owner's own website show the page inside its own.

The colours go out as a stylesheet (the Content-Security-Policy allows no inline style); they were checked
as #rrggbb on saving, so nothing else can reach the CSS. A picture is served only when one of the
organization's own rows names it, so no name, guessed or copied, reaches another business's file.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.csp import CSP

from booking.models import BookingPage
from booking.page_media import content_type
from booking.showcase import booking_page_for, media_names
from tenancy.models import Organization
from tenancy.public import public_organization
from tilli.lib.contrast import MINIMUM_TEXT_CONTRAST, contrast_ratio

PAGE_BACKGROUND = "#ffffff"
INK = "#1d2a33"


def _darker(colour: str, factor: float = 0.8) -> str:
    return "#" + "".join(f"{round(int(colour[i:i + 2], 16) * factor):02x}" for i in (1, 3, 5))


def brand_stylesheet(page: BookingPage) -> str:
    """Tilli's colour variables set to the business's; links stay readable on the white page."""
    accent, ink = page.accent_colour, page.accent_text_colour
    link = next((c for c in (accent, ink) if contrast_ratio(c, PAGE_BACKGROUND) >= MINIMUM_TEXT_CONTRAST), INK)
    hover = _darker(accent) if contrast_ratio(_darker(accent), ink) >= MINIMUM_TEXT_CONTRAST else accent
    return (f":root {{ --accent: {accent}; --accent-dark: {hover}; --accent-ink: {ink}; --brand-link: {link}; }}\n"
            f"a {{ color: var(--brand-link); }}\na:hover {{ color: var(--brand-link); }}\n")


def brand_css(request: HttpRequest, booking_slug: str) -> HttpResponse:
    organization = public_organization(booking_slug)
    # Not cached (tilli.middleware.NoStoreMiddleware): a changed colour shows at once.
    return HttpResponse(brand_stylesheet(booking_page_for(organization)), content_type="text/css; charset=utf-8")


def media(request: HttpRequest, booking_slug: str, name: str) -> FileResponse:
    organization = public_organization(booking_slug)
    if name not in media_names(organization) or not default_storage.exists(name):
        raise Http404
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type(name))
    response["Content-Disposition"] = "inline"
    return response


def frame_ancestors(organization: Organization) -> list[str]:
    origin = BookingPage.objects.filter(organization=organization).values_list("embed_origin", flat=True).first()
    return [origin] if origin else [CSP.NONE]


def embeddable(view):
    """The booking page may be framed by the owner's saved website only (CSP frame-ancestors), else by none."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        response = view(request, *args, **kwargs)
        organization = Organization.objects.filter(slug=kwargs.get("booking_slug", "")).first()
        ancestors = frame_ancestors(organization) if organization else [CSP.NONE]
        if ancestors != [CSP.NONE]:
            response._csp_config = {**settings.SECURE_CSP, "frame-ancestors": ancestors}
            response.xframe_options_exempt = True  # the CSP decides; X-Frame-Options cannot name an origin
        return response

    return wrapped
