"""Template filters that turn audit rows into words a person understands."""

from django import template
from django.apps import apps
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from booking.models import BookingPage
from booking.showcase import service_name
from tenancy.roles import SUPPORT_ROLE, SUPPORT_ROLE_LABEL, Role
from tilli.lib.addresses import address_of
from tilli.lib.fields import field_label

register = template.Library()

_EXTRA_LABELS = {
    "special_category_approval": _("approval for sensitive entries"),
    "marketing_email": _("email marketing permission"),
    "marketing_sms": _("SMS marketing permission"),
}


@register.filter
def changed_labels(event) -> str:
    """The changed fields of an audit event by their translated names, comma-separated. A row may name any
    field, relation or path, including ones the code no longer has: the page must render all of them."""
    try:
        model = apps.get_model(event.object_type)
    except (LookupError, ValueError):
        model = None
    return ", ".join(str(_EXTRA_LABELS.get(name) or field_label(model, name)) for name in event.changed_fields or ())


@register.filter
def address_lines(obj, country: str = "") -> list[str]:
    """A client's or an organization's address as lines in its country's order (tilli/lib/addresses.py);
    `country` is the fallback for a client without one (the organization's)."""
    return address_of(obj, country=country)


@register.filter
def one_line_address(obj, country: str = "") -> str:
    return ", ".join(address_of(obj, country=country))


@register.filter
def object_kind(event) -> str:
    """The kind of object an audit event is about, by its translated name ("client", "visit"); a kind the
    code no longer has reads as its stored label."""
    try:
        return str(apps.get_model(event.object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return event.object_type or "—"


@register.filter
def role_label(role: str) -> str:
    if role == SUPPORT_ROLE:
        return str(SUPPORT_ROLE_LABEL)
    return str(Role(role).label) if role in Role.values else role


@register.simple_tag
def booking_page_of(organization):
    """The organization's saved booking page (its logo and colours), or None: public pages carry its face."""
    return BookingPage.objects.filter(organization=organization).first() if organization else None


@register.filter
def shown_name(service) -> str:
    """A service's name on customers' pages: in the active language, else the default language's, else its own."""
    return service_name(service, get_language() or "", service.organization)
