"""Text a business writes in each language it offers (a service's name, its page's description).

Stored as a small mapping {language code: text}; a visitor reads their own language, else the
business's default language, else the untranslated value the panel shows.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tilli.lib.text import text_problem


def pick(values: Mapping[str, str] | None, language: str, default_language: str, fallback: str = "") -> str:
    values = values if isinstance(values, Mapping) else {}
    for code in (language, default_language):
        text = values.get(code)
        if isinstance(text, str) and text.strip():
            return text
    return fallback


def clean_translated(values: object, *, offered: list[str], default_language: str, max_length: int,
                     required: bool = False) -> dict[str, str]:
    """{language: text} limited to the `offered` languages, each stripped and checked like any typed text (empty
    values dropped); the refusals are ValidationErrors coded "translations", "language", "too_long", "text" and
    "required" (the default language missing when `required`)."""
    if not isinstance(values, Mapping):
        raise ValidationError(_("Give the text per language, e.g. {\"fi\": \"…\"}."), code="translations")
    cleaned = {}
    for code, text in values.items():
        if code not in offered:
            raise ValidationError(_("%(code)s is not one of the languages of your booking page.")
                                  % {"code": str(code)[:10]}, code="language")
        if not isinstance(text, str):
            raise ValidationError(_("Give the text per language, e.g. {\"fi\": \"…\"}."), code="translations")
        text = text.strip()
        if len(text) > max_length:
            raise ValidationError(_("At most %(count)s characters.") % {"count": max_length}, code="too_long")
        if text and (problem := text_problem(text)):
            raise ValidationError(problem, code="text")
        if text:
            cleaned[code] = text
    if required and default_language not in cleaned:
        raise ValidationError(_("Write it at least in the default language."), code="required")
    return cleaned
