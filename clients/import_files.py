"""Reading another system's CSV export: its encoding, separator, rows and dates.

Exports differ in every way that does not matter to the data: Timma and Excel "CSV UTF-8" write UTF-8
with a byte-order mark, older Excel in Finland and Poland writes Windows-1252 (or ISO-8859-1) with
semicolons, Excel's "Unicode text" is UTF-16 with tabs, Fresha and Booksy write plain UTF-8 with commas.
This module turns any of them into a header row and data rows, and reads the dates people write
(`31.12.2026`, `31/12/2026`, `2026-12-31`). Both the client import and the appointment import use it.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_FILE_BYTES = 5 * 1024 * 1024
DELIMITERS = (";", ",", "\t")
# Bytes Windows-1252 leaves undefined: a file holding them is ISO-8859-1 (whose C1 controls they are).
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")

_DAY_FIRST = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})(?:[:.]\d{2})?")


class ImportFileError(Exception):
    """The file as a whole cannot be read; `message` is in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ParsedFile:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as a spreadsheet shows it, cells); blank rows left out
    delimiter: str


def detect_encoding(data: bytes) -> str:
    """The encoding the bytes were written in: UTF-16 or UTF-8 by their byte-order mark or validity,
    otherwise Windows-1252 (what Excel calls "ANSI" in Finland and Poland), or ISO-8859-1 when the
    file holds a byte Windows-1252 does not define."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "iso-8859-1" if _CP1252_UNDEFINED & set(data) else "cp1252"
    return "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"


def decode_upload(data: bytes) -> str:
    """The file's text, whatever of the encodings above it was written in; raises ImportFileError."""
    try:
        text = data.decode(detect_encoding(data))
    except UnicodeDecodeError:
        text = ""
    if "\x00" in text or (data and not text):
        raise ImportFileError(_("The file is not a text file. Save it from your spreadsheet as CSV and try again."))
    return text.removeprefix("\ufeff")


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first row into the most columns (semicolon on a tie)."""
    best, best_count = DELIMITERS[0], 0
    for delimiter in DELIMITERS:
        try:
            count = len(next(csv.reader(io.StringIO(text), delimiter=delimiter), []))
        except csv.Error:
            continue
        if count > best_count:
            best, best_count = delimiter, count
    return best


def _clean_cell(value: str) -> str:
    """Strip spaces, and the apostrophe that exports (ours too) put before a cell Excel would run as a formula."""
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":
        return value[1:]
    return value


def read_csv(text: str) -> ParsedFile:
    """Split the file into the header row and data rows; raises ImportFileError."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        headers = [h.strip() for h in next(reader)]
        for number, cells in enumerate(reader, start=2):
            cells = [_clean_cell(c) for c in cells]
            if any(cells):
                rows.append((number, cells))
    except csv.Error:
        raise ImportFileError(_("The file could not be read as CSV near row %(row)d.")
                              % {"row": reader.line_num}) from None
    if not rows:
        raise ImportFileError(_("The file has no rows below the column names."))
    return ParsedFile(headers=headers, rows=rows, delimiter=delimiter)


def parse_date(value: str) -> datetime.date | None:
    """`31.12.2026`, `31/12/2026` (day first, as in Finland and Poland) or ISO `2026-12-31`; None if neither."""
    value = value.strip()
    if match := _DAY_FIRST.fullmatch(value):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO_DATE.fullmatch(value):
        year, month, day = (int(part) for part in match.groups())
    else:
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def parse_time(value: str) -> datetime.time | None:
    """`9:30`, `09.30` (the Finnish way) or `09:30:00`; None if it is not a time of day."""
    match = _TIME.fullmatch(value.strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    return datetime.time(hour, minute) if hour < 24 and minute < 60 else None


def parse_date_time(value: str) -> datetime.datetime | None:
    """A date and a time in one cell: `31.12.2026 14:30`, `2026-12-31T14:30`, `2026-12-31 14:30:00`."""
    date_part, _sep, time_part = value.strip().replace("T", " ").partition(" ")
    day, time = parse_date(date_part), parse_time(time_part.strip())
    return datetime.datetime.combine(day, time) if day and time else None
