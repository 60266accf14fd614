"""The Finnish bank barcode (pankkiviivakoodi) of an invoice, as digits and as a Code 128 SVG.

Per Finanssiala's "Pankkiviivakoodi-opas" (version 5.3): 54 digits, printed under the bank giro form
as Code 128 (set C) and as text ("virtuaaliviivakoodi", typed or pasted into online banks):

    version 4: 4 | IBAN's 16 digits | euros (6) | cents (2) | 000 | national reference (20, zero-padded) | YYMMDD
    version 5: 5 | IBAN's 16 digits | euros (6) | cents (2) | RF check digits (2) |
               RF reference's digits (21, zero-padded) | YYMMDD

An amount of a million euros or more is printed as zeros (the payer types it), as is a missing due date.
Only Finnish IBANs in euros can be carried.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError

from billing import reference as refs

_MAX = Decimal("999999.99")


class BarcodeError(ValueError):
    """What cannot be put in a bank barcode (the message names no personal data)."""


def bank_barcode(*, iban: str, amount: Decimal, reference: str, due: dt.date | None) -> str:
    """The 54 digits: version 4 for a national reference, version 5 for an RF reference."""
    try:
        account = stdnum_iban.validate(iban)
    except StdnumError as error:
        raise BarcodeError("not a valid IBAN") from error
    if not account.startswith("FI"):
        raise BarcodeError("only Finnish accounts have a bank barcode")
    amount = Decimal(amount)
    if amount < 0:
        raise BarcodeError("a bank barcode cannot carry a negative amount")
    if amount > _MAX:
        amount = Decimal(0)
    cents = int((amount * 100).to_integral_value())
    money = f"{cents // 100:06d}{cents % 100:02d}"
    date = due.strftime("%y%m%d") if due else "000000"
    ref = "".join(reference.split()).upper()
    if ref.startswith("RF"):
        if not refs.is_valid_rf(ref) or not ref[4:].isdigit() or len(ref[4:]) > 21:
            raise BarcodeError("not an RF reference of digits")
        return f"5{account[2:]}{money}{ref[2:4]}{ref[4:]:0>21}{date}"
    if not refs.is_valid_national(ref):
        raise BarcodeError("not a valid reference number")
    return f"4{account[2:]}{money}000{ref:0>20}{date}"


# Code 128: the bar and space widths (in modules) of the symbol values 0 to 106 (ISO/IEC 15417, table 1);
# each of 0..105 is six elements summing to 11 modules, the stop (106) seven elements summing to 13.
_PATTERNS = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
    "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
    "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
    "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
    "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
    "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
    "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
    "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
)
_START_C = 105
_STOP = 106
QUIET_MODULES = 10


def code128c_values(digits: str) -> list[int]:
    """The symbol values of an even number of digits in set C: start, pairs, check symbol, stop."""
    if not digits.isdigit() or len(digits) % 2:
        raise BarcodeError("set C encodes an even number of digits")
    values = [_START_C] + [int(digits[i:i + 2]) for i in range(0, len(digits), 2)]
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    return [*values, check, _STOP]


def code128c_modules(digits: str) -> list[int]:
    """The element widths, bar first, alternating bar and space, without the quiet zones."""
    return [int(w) for value in code128c_values(digits) for w in _PATTERNS[value]]


def code128c_svg(digits: str, *, module_mm: Decimal = Decimal("0.25"), height_mm: int = 13) -> str:
    """An SVG of the barcode (with its quiet zones), drawn to scale: the guide asks for a module of
    0.25 to 0.5 mm (we print 0.25 mm: 54 digits then measure about 53 mm with the quiet zones) and a
    height of at least 13 mm."""
    widths = code128c_modules(digits)
    total = QUIET_MODULES * 2 + sum(widths)
    x = QUIET_MODULES
    bars = []
    for index, width in enumerate(widths):
        if index % 2 == 0:
            bars.append(f'<rect x="{x}" y="0" width="{width}" height="{height_mm}"/>')
        x += width
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{total * module_mm}mm" height="{height_mm}mm" '
            f'viewBox="0 0 {total} {height_mm}" preserveAspectRatio="none" shape-rendering="crispEdges">'
            f'<rect x="0" y="0" width="{total}" height="{height_mm}" fill="#fff"/><g fill="#000">'
            + "".join(bars) + "</g></svg>")
