"""The one way a service's refusal lands on a form.

Services refuse with field errors (a ValidationError naming fields) or with a domain error
(tilli.errors: one message under an enumerated code). Either way the person sees the
message in their language, beside the field it names when the form has that field, else
above the form; the code stays on the form's error (`form.errors.as_data()`).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's `error` on `form`: on the field it names, else above the form."""
    if hasattr(error, "error_dict"):
        for name, messages in error.error_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error)
