"""References and the bank barcode against the published examples.

The barcode examples are those of Finanssiala's "Pankkiviivakoodi-opas" (version 5.3, examples 1-7 of
chapters 4.1 and 4.2; https://www.finanssiala.fi/wp-content/uploads/2021/03/Pankkiviivakoodi-opas.pdf),
as reproduced in the public test suites found with the search tool (antsy/viivakoodi test.php,
the holviapi and Rust `pankkiviivakoodi` tests), which agree with each other.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing import reference as refs
from billing.barcode import _PATTERNS, BarcodeError, bank_barcode, code128c_modules, code128c_svg, code128c_values

D = dt.date

GUIDE_V4 = [
    ("FI79 4405 2020 0360 82", "4883.15", "86851 62596 19897", D(2010, 6, 12),
     "479440520200360820048831500000000868516259619897100612"),
    ("FI58 1017 1000 0001 22", "482.99", "55958 22432 94671", D(2012, 1, 31),
     "458101710000001220004829900000000559582243294671120131"),
    ("FI02 5000 4640 0013 02", "693.80", "69 87567 20834 35364", D(2011, 7, 24),
     "402500046400013020006938000000069875672083435364110724"),
    ("FI16 8000 1400 0502 67", "935.85", "78 77767 96566 28687", None,
     "416800014000502670009358500000078777679656628687000000"),
    ("FI73 3131 3001 0000 58", "0.00", "8 68624", D(2013, 8, 9),
     "473313130010000580000000000000000000000000868624130809"),
]
GUIDE_V5 = [
    ("FI79 4405 2020 0360 82", "4883.15", "RF09 8685 1625 9619 897", D(2010, 6, 12),
     "579440520200360820048831509000000868516259619897100612"),
    ("FI58 1017 1000 0001 22", "482.99", "RF06 5595 8224 3294 671", D(2010, 1, 31),
     "558101710000001220004829906000000559582243294671100131"),
    ("FI15 6601 0001 5306 41", "7444.54", "RF84 7758 4747 9064 7489", D(2019, 12, 19),
     "515660100015306410074445484000007758474790647489191219"),
    ("FI16 8000 1400 0502 67", "935.85", "RF60 7877 7679 6566 2868 7", None,
     "516800014000502670009358560000078777679656628687000000"),
    ("FI73 3131 3001 0000 58", "0.00", "RF10 8686 24", D(2013, 8, 9),
     "573313130010000580000000010000000000000000868624130809"),
    ("FI83 3301 0001 1007 75", "150000.20", "RF71 9212 5374 2525 3989 7737", D(2016, 5, 25),
     "583330100011007751500002071092125374252539897737160525"),
    ("FI39 3636 3002 0924 92", "1.03", "RF66 5907 3839 0", D(2023, 3, 11),
     "539363630020924920000010366000000000000590738390230311"),
]


@pytest.mark.parametrize(("iban", "amount", "reference", "due", "expected"), GUIDE_V4 + GUIDE_V5)
def test_the_guides_examples(iban, amount, reference, due, expected):
    assert bank_barcode(iban=iban, amount=Decimal(amount), reference=reference, due=due) == expected
    assert len(expected) == 54


def test_a_million_or_more_is_printed_as_zeros():
    code = bank_barcode(iban="FI7944052020036082", amount=Decimal("1000000.00"), reference="1232", due=None)
    assert code[17:25] == "00000000"


@pytest.mark.parametrize(("kwargs"), [
    {"iban": "FI7944052020036083", "amount": Decimal("1"), "reference": "1232", "due": None},  # IBAN check
    {"iban": "DE89370400440532013000", "amount": Decimal("1"), "reference": "1232", "due": None},  # not Finnish
    {"iban": "FI7944052020036082", "amount": Decimal("1"), "reference": "1233", "due": None},  # check digit
    {"iban": "FI7944052020036082", "amount": Decimal("1"), "reference": "RF19 1232", "due": None},  # RF check
    {"iban": "FI7944052020036082", "amount": Decimal("-1"), "reference": "1232", "due": None},
])
def test_what_cannot_be_carried(kwargs):
    with pytest.raises(BarcodeError):
        bank_barcode(**kwargs)


def test_national_reference_check_digit_7_3_1():
    # Finanssiala's worked example: base 1234 -> 4*7 + 3*3 + 2*1 + 1*7 = 46 -> check digit 4.
    assert refs.national_check_digit("1234") == "4"
    assert refs.national_reference(1234) == "12344"
    assert refs.is_valid_national("12344") and not refs.is_valid_national("12345")
    for number in range(1, 3000):
        assert refs.is_valid_national(refs.national_reference(number, prefix="2026"))
    assert refs.is_valid_national("86851 62596 19897")


def test_rf_reference_carries_the_national_digits():
    assert refs.rf_reference("868516259619897") == "RF09868516259619897"
    assert refs.rf_reference("868624") == "RF10868624"
    assert refs.is_valid_rf(refs.rf_reference(refs.national_reference(42, prefix="2026")))
    assert refs.grouped("RF09868516259619897") == "RF09 8685 1625 9619 897"
    assert refs.grouped("868516259619897") == "86851 62596 19897"
    assert refs.grouped("202600422") == "2026 00422"


def test_code128_table_is_sound():
    assert len(_PATTERNS) == 107 and len(set(_PATTERNS)) == 107
    assert all(sum(map(int, p)) == 11 for p in _PATTERNS[:106]) and sum(map(int, _PATTERNS[106])) == 13


def test_code128c_check_symbol():
    # Start C (105) + 1*12 + 2*34 = 185; 185 mod 103 = 82.
    assert code128c_values("1234") == [105, 12, 34, 82, 106]
    with pytest.raises(BarcodeError):
        code128c_values("123")


def test_svg_bars_decode_back_to_the_digits():
    """Read the drawn SVG back (bar rectangles and the gaps between them) and decode it with the table."""
    import re

    digits = GUIDE_V5[0][4]
    svg = code128c_svg(digits)
    rects = [(int(x), int(w)) for x, w in re.findall(r'<rect x="(\d+)" y="0" width="(\d+)" height="13"/>', svg)]
    widths = []
    for (x, w), following in zip(rects, [*rects[1:], None], strict=True):
        widths.append(w)
        if following is not None:
            widths.append(following[0] - x - w)
    assert widths == code128c_modules(digits)
    inverse = {p: v for v, p in enumerate(_PATTERNS)}
    symbols = [inverse["".join(map(str, widths[i:i + 6]))] for i in range(0, len(widths) - 7, 6)]
    assert symbols[0] == 105 and "".join(f"{v:02d}" for v in symbols[1:-1]) == digits
    assert symbols[-1] == (105 + sum(i * v for i, v in enumerate(symbols[1:-1], start=1))) % 103
