"""English pages write dates day first and time on a 24-hour clock, like the public pages do; Django's own
"en" wrote "12/07/2026 4:59 a.m.", which a reader in Helsinki or Warsaw takes for 12 July."""

import datetime as dt

from django import forms
from django.utils import formats, translation


def test_english_writes_the_day_first_and_a_24_hour_clock():
    moment = dt.datetime(2026, 12, 7, 16, 5)
    with translation.override("en"):
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "7.12.2026 16:05"
        assert formats.date_format(moment, "DATE_FORMAT") == "7 December 2026"
        assert formats.time_format(moment.time()) == "16:05"
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1


def test_english_input_is_never_read_month_first():
    field = forms.DateField()
    with translation.override("en"):
        assert field.clean("2026-12-07") == dt.date(2026, 12, 7)
        assert field.clean("07.12.2026") == dt.date(2026, 12, 7)
        assert field.clean("07/12/2026") == dt.date(2026, 12, 7)
