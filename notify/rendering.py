"""Message wording: the organization's own template for a kind, channel and language, else Tilli's.

Templates use Django's template language, rendered in the recipient's language and without
HTML escaping, since emails and SMS are plain text. An organization's own wording sees only
plain values (names, times, links) through `_safe_context`, never model objects.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.template import engines
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from notify.models import MessageChannel, MessageTemplate, TemplateKind

DEFAULT_SUBJECTS = {
    TemplateKind.CONFIRMED: _("Your booking at %(organization)s is confirmed"),
    TemplateKind.MOVED: _("Your booking at %(organization)s was moved"),
    TemplateKind.CANCELLED: _("Your booking at %(organization)s was cancelled"),
    TemplateKind.REMINDER: _("Reminder: your booking at %(organization)s"),
    TemplateKind.STAFF_NEW_BOOKING: _("New online booking at %(organization)s"),
}
_BOOKING_EMAIL = "booking/email/appointment.txt"


def default_template_name(kind: str, channel: str) -> str:
    if channel == MessageChannel.EMAIL and kind in (TemplateKind.CONFIRMED, TemplateKind.MOVED,
                                                    TemplateKind.CANCELLED):
        return _BOOKING_EMAIL
    return f"notify/default/{kind}.{channel}.txt"


def _from_string(text: str, context: dict) -> str:
    return engines["django"].from_string("{% autoescape off %}" + text + "{% endautoescape %}").render(context)


def _safe_context(context: dict) -> dict:
    """What an organization's own wording may use: names, times and links, never a model object,
    so no template can reach other data (a national ID, a health note, other clients)."""
    appointment, client = context.get("appointment"), context.get("client")
    organization = context["organization"]
    safe = {key: context[key] for key in ("start", "end", "deadline", "changeable", "manage_url", "time_zone",
                                          "hours_before", "panel_url", "body", "unsubscribe_url", "kind")
            if key in context}
    safe["organization"] = SimpleNamespace(name=organization.name)
    if appointment is not None:
        location = appointment.location
        safe["appointment"] = SimpleNamespace(
            start=context.get("start", appointment.start), end=context.get("end", appointment.end),
            service=SimpleNamespace(name=appointment.service.name), staff=SimpleNamespace(name=appointment.staff.name),
            location=SimpleNamespace(name=location.name, address=location.address),
            client=SimpleNamespace(display_name=client.display_name) if client is not None else None)
    if client is not None:
        safe["client"] = SimpleNamespace(first_name=client.first_name, display_name=client.display_name)
    return safe


def render_message(organization, kind: str, channel: str, language: str, context: dict,
                   template: MessageTemplate | None = None) -> tuple[str, str]:
    """(subject, body) in `language`; `template` overrides the stored one (for previews)."""
    if template is None:
        template = MessageTemplate.objects.filter(organization=organization, kind=kind, channel=channel,
                                                  language=language).first()
    context = {**context, "kind": kind}
    zone = context.get("time_zone") or organization.time_zone
    with translation.override(language), timezone.override(zone):
        if template is not None:
            safe = _safe_context(context)
            subject = _from_string(template.subject, safe) if channel == MessageChannel.EMAIL else ""
            body = _from_string(template.body, safe)
        else:
            subject = str(DEFAULT_SUBJECTS[kind] % {"organization": organization.name}) \
                if channel == MessageChannel.EMAIL else ""
            body = render_to_string(default_template_name(kind, channel), context)
    return subject.strip().replace("\n", " "), body.strip() + "\n" if channel == MessageChannel.EMAIL else body.strip()
