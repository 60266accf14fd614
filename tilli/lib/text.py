"""One rule for the text people type: what a name or a note may hold.

A NUL cannot be stored in PostgreSQL; a lone surrogate cannot be encoded at all; control characters
and bidirectional overrides (U+202E makes "gpj.exe" read "exe.jpg") let a name show something other
than what it is; and a name of only invisible characters (zero-width spaces, Hangul fillers) looks
empty while it is not. The panel, the portal, the public pages, the API and the CSV import all
validate through `validate_clean_text`, so each refuses the same values with the same message.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALLOWED_CONTROLS = frozenset("\t\n\r")
# Embedding, override and isolate controls, and the invisible marks that steer them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Characters that render as nothing but are not in a "format" or "separator" category.
BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def storable(value: str) -> bool:
    """No NUL and no lone surrogate: text every database and every UTF-8 encoder accepts."""
    return "\x00" not in value and not any("\ud800" <= c <= "\udfff" for c in value)


def _invisible(char: str) -> bool:
    return char in BLANK_LOOKING or unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me")


def text_problem(value: str) -> str | None:
    """Why the value may not be stored as typed, as a translated sentence; None when it may."""
    if not storable(value):
        return _("Remove the invalid characters (such as a null character).")
    if any(c in BIDI_CONTROLS for c in value):
        return _("Remove the hidden characters that change the direction of the text.")
    if any(unicodedata.category(c) == "Cc" and c not in ALLOWED_CONTROLS for c in value):
        return _("Remove the control characters.")
    if value and all(_invisible(c) for c in value) and value.strip():
        return _("Enter visible text, not only invisible characters.")
    return None


def validate_clean_text(value: object) -> None:
    """A Django validator (model fields, form fields, services) for any typed text."""
    if isinstance(value, str) and (problem := text_problem(value)):
        raise ValidationError(problem, code="unclean_text")
