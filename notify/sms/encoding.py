"""What an SMS costs before it is sent: its encoding, length and number of segments.

A text that uses only the GSM 03.38 (3GPP TS 23.038) default alphabet and its extension table
travels as GSM-7: 160 septets in one SMS, 153 per segment once it is split (the other 7 carry the
concatenation header). Extension-table characters (€ [ ] { } ~ ^ | \\ and form feed) are sent as
ESC + character, so they take 2 septets. Any other character switches the whole text to UCS-2:
70 UTF-16 code units in one SMS, 67 per segment; a character outside the Basic Multilingual
Plane (most emoji) is a surrogate pair and takes 2 units.

Segments are packed the way SMS centres split texts: an escape pair or a surrogate pair is never
cut in two, so a 2-unit character that does not fit at the end of a segment moves whole to the
next one. This is why the count is computed by packing rather than by dividing.

Finnish letters ä ö å Ä Ö Å are in the default alphabet; Polish ą ć ę ł ń ó ś ź ż are not (the
table has ò, not ó), so Polish texts with diacritics are UCS-2.

Numbers are stored and sent in E.164 (`normalise_e164`); sender names follow the limits every
gateway documents: up to 11 letters, digits and spaces, or up to 15 digits (`valid_sender`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import phonenumbers

# GSM 03.38 default alphabet, in table order (0x00-0x7F); 0x1B (ESC) is not a character.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
# The extension table (each sent as ESC + character, 2 septets).
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class SmsParts:
    encoding: Encoding
    length: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int

    @property
    def unicode(self) -> bool:
        return self.encoding == "UCS-2"


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _pack(units: list[int], single: int, multi: int) -> int:
    """Number of segments for characters of the given unit sizes, never splitting a character."""
    total = sum(units)
    if total <= single:
        return 1
    segments, used = 1, 0
    for size in units:
        if used + size > multi:
            segments += 1
            used = 0
        used += size
    return segments


def sms_parts(text: str) -> SmsParts:
    """Encoding, length and segment count of `text`. An empty text is still one (empty) SMS."""
    if is_gsm7(text):
        units = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        return SmsParts("GSM-7", sum(units), _pack(units, GSM7_SINGLE, GSM7_MULTI))
    units = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SmsParts("UCS-2", sum(units), _pack(units, UCS2_SINGLE, UCS2_MULTI))


def normalise_e164(number: str, default_region: str | None) -> str:
    """`number` as E.164 (+358401234567). A number without a country code is read in
    `default_region` (ISO 3166 code, e.g. "FI", "PL"). The error never repeats the number."""
    try:
        parsed = phonenumbers.parse(number, (default_region or "").upper() or None)
    except phonenumbers.NumberParseException:
        raise ValueError("Not a phone number, or the country code is missing.") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("Not a valid phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


_ALPHANUMERIC_SENDER = re.compile(r"[A-Za-z0-9 ]{1,11}")
_NUMERIC_SENDER = re.compile(r"\+?[0-9]{1,15}")


def valid_sender(name: str) -> bool:
    """An alphanumeric sender (≤ 11 of A-Z a-z 0-9 and space, not blank, no edge spaces) or a
    numeric one (≤ 15 digits, optionally with a leading +)."""
    if _NUMERIC_SENDER.fullmatch(name):
        return True
    return bool(_ALPHANUMERIC_SENDER.fullmatch(name)) and name == name.strip() and bool(name)
