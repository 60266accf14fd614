"""Message text: the organization's own wording for a kind, channel and language, else Tilli's,
filled in with the booking's values in the recipient's language and time zone.

Wording is plain text with `{placeholders}` (notify.wording), so an organization's text sees
only the values its kind offers (names, times, links), never a model object.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from booking.showcase import service_name
from notify.models import MessageChannel, MessageTemplate
from notify.wording import default_wording, fill, location_text, values_for

logger = logging.getLogger(__name__)


def message_values(context: dict) -> dict[str, str]:
    """The placeholders' values for one booking message (see notify.services.appointment_context)."""
    appointment, client, organization = context["appointment"], context.get("client"), context["organization"]
    location = appointment.location
    return values_for(
        business_name=organization.name, client_first_name=client.first_name if client else "",
        client_name=client.display_name if client else "",
        service=service_name(appointment.service, translation.get_language() or "", organization),
        staff=appointment.staff.name, location=location_text(location.name, location.address),
        start=context["start"], end=context["end"], deadline=context["deadline"], changeable=context["changeable"],
        time_zone=context["time_zone"], manage_link=context.get("manage_url", ""),
        panel_link=context.get("panel_url", ""))


def fill_wording(kind: str, channel: str, subject: str, body: str, values: dict[str, str]) -> tuple[str, str]:
    """(subject, body) ready to send: one line of subject, an email's body ending in a newline."""
    subject = fill(subject, kind, values).strip().replace("\n", " ") if channel == MessageChannel.EMAIL else ""
    body = fill(body, kind, values).strip()
    return subject, body + "\n" if channel == MessageChannel.EMAIL else body


def render_message(organization, kind: str, channel: str, language: str, context: dict) -> tuple[str, str]:
    """(subject, body) in `language`, from the organization's wording, or Tilli's if it has none.

    Wording that no longer passes the check (stored before a placeholder was withdrawn) falls back
    to Tilli's, so a booking is never left without its message.
    """
    template = MessageTemplate.objects.filter(organization=organization, kind=kind, channel=channel,
                                              language=language).first()
    zone = context.get("time_zone") or organization.time_zone
    with translation.override(language), timezone.override(zone):
        values = message_values(context)
        if template is not None:
            try:
                return fill_wording(kind, channel, template.subject, template.body, values)
            except ValidationError:
                logger.warning("Message wording %s of organization %s does not pass the check; Tilli's is used.",
                               template.pk, organization.pk)
        return fill_wording(kind, channel, *default_wording(kind, channel), values)


def sample_values(organization, language: str) -> dict[str, str]:
    """Example values for a preview: made-up client, service and time, and a manage link that works for
    nobody, so composing a message never shows (or mails about) a real client's booking."""
    site = settings.SITE_URL.rstrip("/")
    with translation.override(language), timezone.override(organization.time_zone):
        day = timezone.localdate() + dt.timedelta(days=3)
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
        first_name = _("Alex")
        return values_for(
            business_name=organization.name, client_first_name=first_name,
            client_name=f"{first_name} {_('Example')}", service=_("Example service"), staff=_("Your staff member"),
            location=location_text(_("Main location"), _("Example Street 1")), start=start,
            end=start + dt.timedelta(hours=1), deadline=start - dt.timedelta(hours=24), changeable=True,
            time_zone=organization.time_zone,
            manage_link=site + reverse("public_booking:manage", args=[organization.slug, "example"]),
            panel_link=site + reverse("web:calendar", kwargs={"org_slug": organization.slug}))


def preview_message(organization, kind: str, channel: str, language: str, subject: str,
                    body: str) -> tuple[str, str]:
    """The wording filled in with `sample_values`; raises ValidationError for wording that is not allowed."""
    return fill_wording(kind, channel, subject, body, sample_values(organization, language))
