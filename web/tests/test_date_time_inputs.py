"""Every ``<input type=date|time|datetime-local>`` of every form gets an ISO value, in every language.

Browsers accept only ISO values in these inputs; a localized value (``9.00.00`` in Finnish) is dropped,
the field shows empty and saving fails with "required". The walk finds the inputs itself, so a form added
later with a plain ``DateInput`` fails here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import re

import pytest
from django import forms
from django.utils import translation

import web
from booking.models import WorkingHours
from web.service_views import HoursForm

LANGUAGES = ("fi", "sv", "pl", "en")
SAMPLE = {"date": dt.date(2026, 3, 9), "time": dt.time(9, 5), "datetime-local": dt.datetime(2026, 3, 9, 9, 5)}
ISO = {"date": r"2026-03-09", "time": r"09:05", "datetime-local": r"2026-03-09T09:05"}


def _form_classes() -> list[type[forms.BaseForm]]:
    found = []
    for module_info in pkgutil.iter_modules(web.__path__):
        if module_info.name in {"tests", "migrations", "templatetags"}:
            continue
        module = importlib.import_module(f"web.{module_info.name}")
        found += [value for value in vars(module).values()
                  if inspect.isclass(value) and issubclass(value, forms.BaseForm)
                  and value.__module__ == module.__name__]
    return found


def _typed_inputs() -> list[tuple[str, str, forms.Widget, str]]:
    inputs = []
    for form_class in _form_classes():
        for name, field in form_class.base_fields.items():
            widget = field.widget
            kind = widget.attrs.get("type", getattr(widget, "input_type", None))
            if kind in SAMPLE:
                inputs.append((form_class.__name__, name, widget, kind))
    return inputs


def test_the_walk_finds_the_forms_with_date_and_time_inputs():
    found = {(form, name) for form, name, _, _ in _typed_inputs()}
    assert {("HoursForm", "start_time"), ("HoursForm", "valid_until"), ("ExceptionForm", "start"),
            ("PolicyForm", "quiet_start"), ("RequestCreateForm", "received_at")} <= found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_date_and_time_input_renders_an_iso_value(language):
    wrong = []
    with translation.override(language):
        for form, name, widget, kind in _typed_inputs():
            html = widget.render(name, SAMPLE[kind])
            value = re.search(r'value="([^"]*)"', html)
            if value is None or value.group(1) != ISO[kind]:
                wrong.append(f"{form}.{name}: {html}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("language", ("fi", "sv", "pl"))
def test_weekly_hours_show_their_times_and_save_unchanged_in_every_language(db, language):
    hours = WorkingHours(weekday=0, start_time=dt.time(9), end_time=dt.time(17, 30), valid_from=dt.date(2026, 1, 5))
    with translation.override(language):
        html = HoursForm(instance=hours).as_p()
        assert 'value="09:00"' in html and 'value="17:30"' in html and 'value="2026-01-05"' in html
        # What the browser sends back is what it was shown.
        form = HoursForm(data={"weekday": "0", "start_time": "09:00", "end_time": "17:30",
                               "valid_from": "2026-01-05", "valid_until": ""})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["start_time"] == dt.time(9) and form.cleaned_data["end_time"] == dt.time(17, 30)
