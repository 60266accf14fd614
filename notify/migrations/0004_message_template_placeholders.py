"""Organizations' own wording moves from Django template code to plain text with `{placeholders}`.

A stored wording whose template code maps one to one onto placeholders (`{{ organization.name }}`
→ `{business_name}`, `{{ start|time:"H:i" }}` → `{start}`, …) is converted; its literal braces are
doubled. One with anything else (a `{% if %}`, a `{% blocktranslate %}`, a value no placeholder
stands for) is deleted, so that message goes back to Tilli's wording in that language and the
owner words it again in the new editor (noted in docs/architecture.md). The tables here are a
snapshot of notify.wording when this migration was written, as a migration must not follow later code.
"""

from __future__ import annotations

import re
import string

from django.db import migrations

_TOKEN = re.compile(r"({{.*?}}|{%.*?%}|{#.*?#})", re.DOTALL)
_HARMLESS_TAG = re.compile(r"{%-?\s*(load\s[\w\s]+|autoescape\s+off|endautoescape)\s*-?%}")
_VARIABLES = {
    "organization.name": "{business_name}",
    "client.first_name": "{client_first_name}",
    "client.display_name": "{client_name}",
    "appointment.client.display_name": "{client_name}",
    "appointment.service.name": "{service}",
    "appointment.staff.name": "{staff}",
    "appointment.location.name": "{location}",
    "manage_url": "{manage_link}",
    "panel_url": "{panel_link}",
    "time_zone": "{time_zone}",
    "start": "{date} {start}",
    "appointment.start": "{date} {start}",
}
_FILTERED = re.compile(r"^(appointment\.)?(start|end)\|(date|time):[\"']([^\"']*)[\"']$")
_COMMON = {"client_first_name", "client_name", "business_name", "service", "staff", "location", "date",
           "short_date", "start", "end", "time_zone"}
_CHANGE = {"manage_link", "cancel_until", "how_to_change"}
_ALLOWED = {"confirmed": _COMMON | _CHANGE, "moved": _COMMON | _CHANGE, "reminder": _COMMON | _CHANGE,
            "cancelled": _COMMON, "staff_new_booking": _COMMON | {"panel_link"}}


def _variable(expression: str) -> str | None:
    expression = re.sub(r"\s+", "", expression)
    if expression in _VARIABLES:
        return _VARIABLES[expression]
    match = _FILTERED.match(expression)
    if match is None:
        return None
    _prefix, moment, kind, _format = match.groups()
    if kind == "time":
        return "{" + moment + "}"
    if moment == "start":
        return "{short_date}" if _format in ("j.n.", "j.n") else "{date}"
    return None


def convert(text: str, kind: str) -> str | None:
    """The wording with placeholders, or None when it cannot be converted one to one."""
    out = []
    for piece in _TOKEN.split(text):
        if piece.startswith("{{") and piece.endswith("}}"):
            placeholder = _variable(piece[2:-2])
            if placeholder is None:
                return None
            out.append(placeholder)
        elif piece.startswith("{#"):
            continue
        elif piece.startswith("{%"):
            if not _HARMLESS_TAG.fullmatch(piece):
                return None
        else:
            out.append(piece.replace("{", "{{").replace("}", "}}"))
    converted = "".join(out)
    names = {name for _literal, name, _spec, _conversion in string.Formatter().parse(converted) if name}
    return converted if names <= _ALLOWED.get(kind, set()) else None


def forwards(apps, schema_editor):
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    for template in MessageTemplate.objects.all():
        subject, body = convert(template.subject, template.kind), convert(template.body, template.kind)
        if subject is None or body is None or not body.strip():
            template.delete()
        else:
            template.subject, template.body = subject, body
            template.save(update_fields=["subject", "body"])


class Migration(migrations.Migration):

    dependencies = [
        ("notify", "0003_message_reply_to"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
