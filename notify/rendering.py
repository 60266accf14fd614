"""Message wording: the organization's own template for a kind, channel and language, else Tilli's.

Templates use Django's template language with a small context (organization, client,
appointment, times in the location's zone, the manage link), rendered in the recipient's
language and without HTML escaping, since emails and SMS are plain text.
"""

from __future__ import annotations

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
            subject = _from_string(template.subject, context) if channel == MessageChannel.EMAIL else ""
            body = _from_string(template.body, context)
        else:
            subject = str(DEFAULT_SUBJECTS[kind] % {"organization": organization.name}) \
                if channel == MessageChannel.EMAIL else ""
            body = render_to_string(default_template_name(kind, channel), context)
    return subject.strip().replace("\n", " "), body.strip() + "\n" if channel == MessageChannel.EMAIL else body.strip()
