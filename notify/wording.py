"""Message wording as plain text with named placeholders: what each message kind offers, Tilli's
built-in wording, the check an owner's wording must pass, and the one formatter that fills it in.

An owner writes `Hi {client_first_name}, see you {date} at {start}.` and nothing else: no
template language, so no tag, filter or attribute lookup can reach data beyond the values
listed here, and a typo is refused with a message naming it instead of breaking a message.
Tilli's own wording is assembled from the translated sentences in the catalogs, so the editor
starts from the built-in text in the language being edited.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import dateformat, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notify.models import MessageChannel, TemplateKind


@dataclass(frozen=True)
class Placeholder:
    name: str
    description: Promise


PLACEHOLDERS = {p.name: p for p in (
    Placeholder("client_first_name", gettext_lazy("The client's first name")),
    Placeholder("client_name", gettext_lazy("The client's full name (or the company's name)")),
    Placeholder("business_name", gettext_lazy("Your business's name")),
    Placeholder("service", gettext_lazy("The service booked")),
    Placeholder("staff", gettext_lazy("Who serves the client")),
    Placeholder("location", gettext_lazy("The location and its address")),
    Placeholder("date", gettext_lazy("The day and date")),
    Placeholder("short_date", gettext_lazy("The date in short")),
    Placeholder("start", gettext_lazy("The start time")),
    Placeholder("end", gettext_lazy("The end time")),
    Placeholder("time_zone", gettext_lazy("The time zone of the times")),
    Placeholder("manage_link", gettext_lazy("The client's own link for moving or cancelling the booking")),
    Placeholder("cancel_until", gettext_lazy("Until when the client can move or cancel it themselves")),
    Placeholder("how_to_change", gettext_lazy("A sentence on how to change the booking: until when the client "
                                              "can do it themselves, or to contact you once it is too late")),
    Placeholder("panel_link", gettext_lazy("The link to the booking in your calendar")),
)}
_COMMON = ("client_first_name", "client_name", "business_name", "service", "staff", "location", "date",
           "short_date", "start", "end", "time_zone")
_CHANGE = ("manage_link", "cancel_until", "how_to_change")
ALLOWED = {
    TemplateKind.CONFIRMED: _COMMON + _CHANGE,
    TemplateKind.MOVED: _COMMON + _CHANGE,
    TemplateKind.REMINDER: _COMMON + _CHANGE,
    TemplateKind.CANCELLED: _COMMON,
    TemplateKind.STAFF_NEW_BOOKING: (*_COMMON, "panel_link"),
}
# The (kind, channel) pairs Tilli has wording for, and so the ones an organization can reword.
SLOTS = [(kind, channel) for kind in TemplateKind.values for channel in MessageChannel.values
         if channel == MessageChannel.EMAIL or kind != TemplateKind.STAFF_NEW_BOOKING]


def placeholders_for(kind: str) -> list[Placeholder]:
    return [PLACEHOLDERS[name] for name in ALLOWED[kind]]


# --- the check and the formatter ---------------------------------------------------------------------

_TEMPLATE_CODE = re.compile(r"{%|%}|{{\s*[\w.|:\"' ]+\s*}}")


class PlaceholderFormatter(string.Formatter):
    """`str.format` reduced to plain `{name}` fields from an allowed set.

    No attribute or index lookup (`{a.b}`, `{a[0]}`), no conversion (`!r`), no format spec
    (`:>999`, which could also pad a message to any length): each is refused with a
    ValidationError in the user's language, never filled in. `{{` and `}}` are literal braces.
    """

    def __init__(self, allowed: tuple[str, ...] | frozenset[str]):
        self.allowed = frozenset(allowed)

    def parse(self, format_string: str):
        try:
            fields = list(super().parse(format_string))
        except ValueError:
            raise ValidationError(
                _("A brace is not closed. Write a placeholder as {name}; to show a brace itself, write it twice: "
                  "{{ or }}."), code="unbalanced") from None
        for _literal, name, spec, conversion in fields:
            if name is None:
                continue
            if name == "":
                raise ValidationError(_("Empty braces {} are not a placeholder: write a name inside them."),
                                      code="empty_placeholder")
            if spec or conversion:
                raise ValidationError(_("Write the placeholder as {%(name)s}, without “:” or “!” after the name."),
                                      code="placeholder_format", params={"name": name})
            if name not in self.allowed:
                raise ValidationError(_("This message has no placeholder {%(name)s}. Use one of those listed "
                                        "beside the text."), code="unknown_placeholder", params={"name": name})
        return fields

    def get_field(self, field_name: str, args, kwargs):
        return kwargs[field_name], field_name


def check_wording(text: str, kind: str) -> None:
    """Refuse what the formatter would not fill in, and Django template code from older wording."""
    if _TEMPLATE_CODE.search(text):
        raise ValidationError(_("Template code such as {{ … }} or {% … %} is not used here. Write placeholders "
                                "with single braces, for example {client_first_name}."), code="template_code")
    PlaceholderFormatter(ALLOWED[kind]).parse(text)


def fill(text: str, kind: str, values: Mapping[str, str]) -> str:
    """The wording with its placeholders replaced; raises ValidationError if the wording is not allowed."""
    check_wording(text, kind)
    return PlaceholderFormatter(ALLOWED[kind]).vformat(text, (), {name: values.get(name, "")
                                                                  for name in ALLOWED[kind]})


# --- the values ----------------------------------------------------------------------------------------

def how_to_change(*, changeable: bool, cancel_until: str, business_name: str) -> str:
    if changeable:
        deadline_date, _sep, deadline_time = cancel_until.partition(" ")
        return _("You can cancel or move it yourself until %(deadline_date)s %(deadline_time)s.") % {
            "deadline_date": deadline_date, "deadline_time": deadline_time}
    return _("To change it now, please contact %(organization)s.") % {"organization": business_name}


def values_for(*, business_name: str, client_first_name: str, client_name: str, service: str, staff: str,
               location: str, start, end, deadline, changeable: bool, time_zone: str, manage_link: str = "",
               panel_link: str = "") -> dict[str, str]:
    """Every placeholder's text, in the active language and time zone (the caller overrides both)."""
    start, end, deadline = (timezone.localtime(moment) for moment in (start, end, deadline))
    cancel_until = f"{dateformat.format(deadline, 'j.n.Y')} {dateformat.time_format(deadline, 'H:i')}"
    return {
        "client_first_name": client_first_name, "client_name": client_name, "business_name": business_name,
        "service": service, "staff": staff, "location": location,
        "date": dateformat.format(start, "l j.n.Y"), "short_date": dateformat.format(start, "j.n."),
        "start": dateformat.time_format(start, "H:i"), "end": dateformat.time_format(end, "H:i"),
        "time_zone": time_zone, "manage_link": manage_link, "cancel_until": cancel_until,
        "how_to_change": how_to_change(changeable=changeable, cancel_until=cancel_until,
                                       business_name=business_name),
        "panel_link": panel_link,
    }


def location_text(name: str, address: str) -> str:
    return ", ".join(part for part in (name, address) if part)


# --- Tilli's wording -------------------------------------------------------------------------------------
# The sentences are the catalogs' (shared with the booking pages' translations); `%(name)s` in a
# sentence becomes a `{placeholder}` of the wording.

SUBJECTS = {
    TemplateKind.CONFIRMED: gettext_lazy("Your booking at %(organization)s is confirmed"),
    TemplateKind.MOVED: gettext_lazy("Your booking at %(organization)s was moved"),
    TemplateKind.CANCELLED: gettext_lazy("Your booking at %(organization)s was cancelled"),
    TemplateKind.REMINDER: gettext_lazy("Reminder: your booking at %(organization)s"),
    TemplateKind.STAFF_NEW_BOOKING: gettext_lazy("New online booking at %(organization)s"),
}
_SMS = {
    TemplateKind.CONFIRMED: gettext_lazy("Booked: %(service)s at %(organization)s on %(date)s at %(time)s."),
    TemplateKind.MOVED: gettext_lazy("Moved: %(service)s at %(organization)s is now on %(date)s at %(time)s."),
    TemplateKind.CANCELLED: gettext_lazy("Cancelled: %(service)s at %(organization)s on %(date)s at %(time)s."),
    TemplateKind.REMINDER: gettext_lazy("Reminder: %(service)s at %(organization)s on %(date)s at %(time)s."),
}
_EMAIL_OPENING = {
    TemplateKind.CONFIRMED: gettext_lazy("Thank you for your booking at %(organization)s."),
    TemplateKind.MOVED: gettext_lazy("Your booking at %(organization)s was moved to a new time."),
    TemplateKind.CANCELLED: gettext_lazy("Your booking at %(organization)s was cancelled."),
    TemplateKind.REMINDER: gettext_lazy("A reminder of your booking at %(organization)s."),
}
_NAMES = {"organization": "business_name", "service": "service", "date": "short_date", "time": "start"}


def _sentence(text: Promise | str) -> str:
    """A translated sentence as wording: its own braces doubled, `%(name)s` turned into `{placeholder}`."""
    escaped = str(text).replace("{", "{{").replace("}", "}}")
    if "%(" not in escaped:
        return escaped
    return escaped % {key: "{" + name + "}" for key, name in _NAMES.items()}


def _labelled(label: str, value: str) -> str:
    return f"{_sentence(label)}: {value}"


def _email_body(kind: str) -> str:
    if kind == TemplateKind.STAFF_NEW_BOOKING:
        return "\n".join([
            _sentence(_("A client booked online.")), "",
            _labelled(_("Service"), "{service}"),
            _labelled(_("When"), "{date} {start}–{end} ({time_zone})"),
            _labelled(_("Client"), "{client_name}"), "",
            _sentence(_("Open it in the calendar:")), "{panel_link}"])
    lines = [_sentence(_EMAIL_OPENING[kind]), "",
             _labelled(_("Service"), "{service}"),
             _labelled(_("With"), "{staff}"),
             _labelled(_("When"), "{date} {start}–{end} ({time_zone})"),
             _labelled(_("Where"), "{location}")]
    if kind != TemplateKind.CANCELLED:
        # Only what holds for every message of the kind: the link always shows the booking, but moves
        # or cancels it only until the deadline, which {how_to_change} states (or says whom to contact).
        lines += ["", _sentence(_("Your booking online:")), "{manage_link}", "", "{how_to_change}"]
        if kind != TemplateKind.REMINDER:
            lines += [_sentence(_("The attached calendar entry adds the appointment to your calendar.")), "",
                      _sentence(_("Keep this message: anyone with the link can manage the booking."))]
    return "\n".join(lines)


def _sms_body(kind: str) -> str:
    text = _sentence(_SMS[kind])
    if kind != TemplateKind.CANCELLED:  # the link, not a promise that it still moves or cancels
        text += " {manage_link}"
    return text


def default_wording(kind: str, channel: str) -> tuple[str, str]:
    """(subject, body) of Tilli's wording in the active language; an SMS has no subject."""
    if channel == MessageChannel.SMS:
        return "", _sms_body(kind)
    return _sentence(SUBJECTS[kind]), _email_body(kind)
