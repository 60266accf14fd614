"""Payment references: the Finnish national reference (viitenumero) and the international RF reference.

The national reference is 4 to 20 digits: a base of 3 to 19 digits and a check digit computed with the
weights 7, 3, 1 from the right (Finanssiala, "Viitenumeron tarkisteen laskeminen"). The RF creditor
reference (ISO 11649) is "RF", two check digits and the base; python-stdnum validates it
(stdnum.iso11649) and we compute its check digits with the same ISO 7064 mod 97-10 it uses.
"""

from __future__ import annotations

from stdnum import iso11649
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.iso7064 import mod_97_10

_WEIGHTS = (7, 3, 1)


def _digits(value: str) -> str:
    return "".join(value.split())


def national_check_digit(base: str) -> str:
    """The check digit of a national reference's base (3 to 19 digits)."""
    base = _digits(base)
    if not base.isdigit() or not 3 <= len(base) <= 19:
        raise ValueError("a reference's base is 3 to 19 digits")
    total = sum(int(d) * _WEIGHTS[i % 3] for i, d in enumerate(reversed(base)))
    return str((10 - total % 10) % 10)


def national_reference(number: int, *, prefix: str = "") -> str:
    """The national reference of a document number: its digits (padded to 3) and the check digit.

    `prefix` (digits) goes before the number, e.g. the year, so references differ between years."""
    base = f"{prefix}{number:03d}"
    return base + national_check_digit(base)


def is_valid_national(reference: str) -> bool:
    reference = _digits(reference)
    if not reference.isdigit() or not 4 <= len(reference) <= 20:
        return False
    return national_check_digit(reference[:-1]) == reference[-1]


def rf_reference(national: str) -> str:
    """The RF creditor reference (ISO 11649) that carries a national reference's digits."""
    national = _digits(national)
    check = mod_97_10.calc_check_digits(national + "RF")
    return f"RF{check}{national}"


def is_valid_rf(reference: str) -> bool:
    try:
        iso11649.validate(reference)
    except StdnumError:
        return False
    return True


def grouped(reference: str) -> str:
    """As printed: groups of five from the right (national) or of four from the left (RF)."""
    reference = _digits(reference)
    if reference.upper().startswith("RF"):
        return " ".join(reference[i:i + 4] for i in range(0, len(reference), 4))
    head = len(reference) % 5
    parts = [reference[:head]] if head else []
    parts += [reference[i:i + 5] for i in range(head, len(reference), 5)]
    return " ".join(parts)
