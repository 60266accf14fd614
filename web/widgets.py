"""Date and time inputs that browsers can read in every language.

An ``<input type="date|time|datetime-local">`` accepts only ISO values (``2026-03-01``, ``09:30``,
``2026-03-01T09:30``); the browser shows them in the user's own format. Django's widgets render values
in the active language's format (``9.00.00`` in Finnish), which the browser throws away, so the field
shows empty and the form fails with "required". Every such input goes through these widgets; typed
input is parsed by the fields, which always accept ISO besides the language's formats.
"""

from __future__ import annotations

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_TIME = "%H:%M"
ISO_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class IsoDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)


class IsoTimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format=ISO_TIME)


class IsoDateTimeInput(forms.DateTimeInput):
    """``datetime-local``: a wall-clock time without a zone, read in the active (the location's) zone."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format=ISO_DATETIME_LOCAL)
