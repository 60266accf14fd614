"""The contextual help link in the top bar: the guide's topic for the page being shown."""

from django import template
from django.urls import reverse

from web.help import Audience, topic_for_page

register = template.Library()


@register.simple_tag(takes_context=True)
def help_href(context) -> str:
    """The address of this page's help topic: the clients' guide of the business on its customers' pages,
    the staff guide on the panel's (only for a signed-in person, as the staff guide asks them to sign in);
    '' where the page has no topic."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    topic = topic_for_page(match.view_name if match else None)
    if topic is None:
        return ""
    if topic.audience == Audience.CLIENT:
        org = context.get("booking_org") or context.get("portal_org")
        return reverse("public_booking:help_topic", args=[org.slug, topic.slug]) if org else ""
    if not request.user.is_authenticated:
        return ""
    return reverse("help:topic", args=[topic.slug])
