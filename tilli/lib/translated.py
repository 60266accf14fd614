"""Text a business writes in each language it offers (a service's name, its page's description).

Stored as a small mapping {language code: text}; a visitor reads their own language, else the
business's default language, else the untranslated value the panel shows.
"""

from __future__ import annotations

from collections.abc import Mapping


def pick(values: Mapping[str, str] | None, language: str, default_language: str, fallback: str = "") -> str:
    values = values if isinstance(values, Mapping) else {}
    for code in (language, default_language):
        text = values.get(code)
        if isinstance(text, str) and text.strip():
            return text
    return fallback
