"""GSM-7 vs UCS-2, lengths and segments; E.164 numbers; sender names."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notify.sms.encoding import GSM7_BASIC, GSM7_EXTENSION, normalise_e164, sms_parts, valid_sender

basic = st.text(alphabet=st.sampled_from(sorted(GSM7_BASIC)), max_size=700)
gsm = st.text(alphabet=st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENSION)), max_size=700)
anything = st.text(max_size=400)


@pytest.mark.parametrize(("length", "segments"), [(0, 1), (1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3),
                                                  (460, 4)])
def test_gsm7_segment_boundaries(length, segments):
    parts = sms_parts("a" * length)
    assert (parts.encoding, parts.length, parts.segments) == ("GSM-7", length, segments)


@pytest.mark.parametrize(("length", "segments"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)])
def test_ucs2_segment_boundaries(length, segments):
    parts = sms_parts("ż" * length)
    assert (parts.encoding, parts.length, parts.segments) == ("UCS-2", length, segments)


def test_finnish_letters_are_gsm7():
    parts = sms_parts("Hyvää päivää! Åke, Öljy, Ärrä, Jäätelö å ö ä")
    assert parts.encoding == "GSM-7"


@pytest.mark.parametrize("letter", list("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"))
def test_each_polish_diacritic_makes_the_text_ucs2(letter):
    assert sms_parts(f"Wizyta jutro {letter}").encoding == "UCS-2"


def test_the_table_has_o_grave_not_o_acute():
    assert sms_parts("ò").encoding == "GSM-7"
    assert sms_parts("ó").encoding == "UCS-2"


def test_extension_characters_take_two_septets():
    assert sms_parts("€").length == 2
    assert sms_parts("[]{}~^|\\€").length == 18
    assert sms_parts("a" * 79 + "€").segments == 1  # 81 septets
    assert sms_parts("€" * 80).segments == 1  # exactly 160
    assert sms_parts("€" * 81).segments == 2


def test_an_emoji_counts_two_utf16_units():
    parts = sms_parts("Kiitos 👋")
    assert (parts.encoding, parts.length) == ("UCS-2", 9)
    assert sms_parts("👋" * 35).segments == 1  # 70 units
    assert sms_parts("👋" * 36).segments == 2


def test_a_two_unit_character_is_never_split_across_segments():
    # 152 + the escape pair would be 154 > 153: the € moves whole to the second segment.
    assert sms_parts("a" * 152 + "€" + "a" * 152).segments == 3
    assert sms_parts("a" * 306).segments == 2
    assert sms_parts("ż" * 66 + "👋" + "ż" * 66).segments == 3


@given(basic)
def test_basic_alphabet_texts_follow_160_153(text):
    parts = sms_parts(text)
    assert parts.encoding == "GSM-7" and parts.length == len(text)
    expected = 1 if len(text) <= 160 else math.ceil(len(text) / 153)
    assert parts.segments == expected


@given(gsm)
def test_gsm7_length_counts_extension_characters_twice(text):
    parts = sms_parts(text)
    assert parts.encoding == "GSM-7"
    assert parts.length == len(text) + sum(ch in GSM7_EXTENSION for ch in text)


@given(anything)
def test_encoding_is_gsm7_exactly_when_every_character_is_in_the_tables(text):
    expected = "GSM-7" if all(ch in GSM7_BASIC | GSM7_EXTENSION for ch in text) else "UCS-2"
    assert sms_parts(text).encoding == expected


@given(anything)
def test_ucs2_length_is_utf16_code_units(text):
    parts = sms_parts(text)
    if parts.encoding == "UCS-2":
        assert parts.length == len(text.encode("utf-16-le")) // 2


@given(anything, st.characters())
def test_segments_never_decrease_when_text_grows(text, extra):
    before, after = sms_parts(text), sms_parts(text + extra)
    if before.encoding == after.encoding:
        assert after.segments >= before.segments
        assert after.length > before.length


@given(st.integers(min_value=0, max_value=1000), st.integers(min_value=0, max_value=1000))
def test_segments_are_monotone_in_length(a, b):
    short, long = sorted((a, b))
    assert sms_parts("x" * short).segments <= sms_parts("x" * long).segments
    assert sms_parts("ł" * short).segments <= sms_parts("ł" * long).segments


@given(anything)
def test_segments_hold_the_whole_text(text):
    parts = sms_parts(text)
    single, multi = (160, 153) if parts.encoding == "GSM-7" else (70, 67)
    if parts.segments == 1:
        assert parts.length <= single
    else:
        # Each segment holds `multi` units, less at most one left empty by a 2-unit character.
        assert math.ceil(parts.length / multi) <= parts.segments <= math.ceil(parts.length / (multi - 1))


@pytest.mark.parametrize(("number", "region", "expected"), [
    ("040 123 4567", "FI", "+358401234567"),
    ("+358 40 1234567", None, "+358401234567"),
    ("00358401234567", "FI", "+358401234567"),
    ("500 600 700", "PL", "+48500600700"),
    ("+48 500-600-700", "FI", "+48500600700"),
    ("500600700", "pl", "+48500600700"),
])
def test_numbers_are_normalised_to_e164(number, region, expected):
    assert normalise_e164(number, region) == expected


@pytest.mark.parametrize(("number", "region"), [
    ("123", "FI"), ("040 123", "FI"), ("not a number", "FI"), ("401234567", None), ("+999 1234567", None),
])
def test_invalid_numbers_raise_without_repeating_the_number(number, region):
    with pytest.raises(ValueError) as caught:
        normalise_e164(number, region)
    assert number not in str(caught.value)
    assert not any(ch.isdigit() for ch in str(caught.value))


@pytest.mark.parametrize(("name", "ok"), [
    ("Tilli", True), ("Salon 1234", True), ("ABCDEFGHIJK", True), ("ABCDEFGHIJKL", False),
    ("Kauneus-Ö", False), ("Parturi Liisa", False), ("", False), (" Tilli", False), ("Tilli ", False),
    ("358401234567", True), ("+48500600700", True), ("123456789012345", True), ("1234567890123456", False),
])
def test_sender_names(name, ok):
    assert valid_sender(name) is ok
