"""Real export files: UTF-8 with and without a byte-order mark, UTF-16, Windows-1252 and ISO-8859-1;
semicolons, commas and tabs; Finnish, Swedish, Polish and English column names; d.m.yyyy and ISO dates.
Each file in fixtures/ is committed as the bytes the other system or spreadsheet writes.
"""

import datetime
from pathlib import Path

import pytest

from clients.import_files import decode_upload, detect_encoding, parse_date, parse_date_time, read_csv
from clients.importing import run_import
from clients.models import Client
from kernel.audit import Actor

FIXTURES = Path(__file__).parent / "fixtures"
ACTOR = Actor(kind="user", user_id=7, label="Olivia Owner", role="owner", ip="192.0.2.10")


def data(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize(("name", "encoding", "delimiter"), [
    ("timma_utf8_bom_semicolon.csv", "utf-8-sig", ";"),
    ("fresha_utf8_comma.csv", "utf-8", ","),
    ("excel_cp1252_semicolon.csv", "cp1252", ";"),
    ("excel_utf16_tab.txt", "utf-16", "\t"),
    ("booksy_latin1_semicolon.csv", "cp1252", ";"),  # Latin-1 without C1 bytes reads the same as cp1252
])
def test_each_export_is_decoded_and_split(name, encoding, delimiter):
    assert detect_encoding(data(name)) == encoding
    parsed = read_csv(decode_upload(data(name)))
    assert parsed.delimiter == delimiter and len(parsed.headers) > 3 and not parsed.headers[0].startswith("\ufeff")


def test_windows_1252_letters_and_the_euro_sign_survive():
    text = decode_upload(data("excel_cp1252_semicolon.csv"))
    assert "Väinö;Öhman" in text and "Märta;Åberg" in text and "1 200 €" in text


def test_a_byte_windows_1252_leaves_undefined_means_iso_8859_1():
    raw = "Nimi;Kaupunki\nÅke;Åbo\n".encode("iso-8859-1") + b"\x81\n"
    assert detect_encoding(raw) == "iso-8859-1"
    assert decode_upload(raw).startswith("Nimi;Kaupunki\nÅke;Åbo")


@pytest.mark.parametrize(("text", "expected"), [
    ("3.4.1985", datetime.date(1985, 4, 3)), ("24/12/1970", datetime.date(1970, 12, 24)),
    ("1990-07-15", datetime.date(1990, 7, 15)), ("31.2.1990", None), ("1990-13-01", None), ("tomorrow", None),
])
def test_dates_are_day_first_or_iso(text, expected):
    assert parse_date(text) == expected


def test_date_and_time_in_one_cell():
    assert parse_date_time("4.3.2031 14.00") == datetime.datetime(2031, 3, 4, 14, 0)
    assert parse_date_time("2031-03-04T09:30") == datetime.datetime(2031, 3, 4, 9, 30)
    assert parse_date_time("2031-03-04 25:00") is None


@pytest.mark.parametrize(("name", "expected"), [
    ("timma_utf8_bom_semicolon.csv", [("Aino", "Mäkelä", "+358401112233", "1985-04-03"),
                                      ("Öljy-Pekka", "Äijälä", "+358502223344", "1970-12-24"),
                                      ("Saara", "Lindqvist", "+358451234567", "None")]),
    ("fresha_utf8_comma.csv", [("Maria", "Nowak", "+48601234567", "1990-07-15"),
                               ("Jan", "Kowalski", "+48602345678", "None"),
                               ("Łucja", "Żak", "+48603456789", "1988-02-29")]),
    ("excel_cp1252_semicolon.csv", [("Väinö", "Öhman", "+358401112222", "1960-02-01"),
                                    ("Märta", "Åberg", "+358402223333", "1975-11-15")]),
    ("excel_utf16_tab.txt", [("Björn", "Grönqvist", "+358403334444", "1982-05-30"),
                             ("Åsa", "Sjöberg", "+358404445555", "None")]),
    ("booksy_latin1_semicolon.csv", [("Zoë", "Müller", "+48601111222", "None"),
                                     ("José", "Ferreira", "+48602222333", "None")]),
])
def test_each_export_imports_with_the_suggested_mapping(world, name, expected):
    org = world.other_org if name.startswith(("fresha", "booksy")) else world.org  # Polish numbers in Poland
    report = run_import(org, decode_upload(data(name)), actor=ACTOR)
    assert report.created == len(expected)
    created = Client.objects.for_organization(org).order_by("pk")
    assert [(c.first_name, c.last_name, c.phone, str(c.birth_date)) for c in created] == expected
    # Notes never come in by file: the notes columns were left out, not stored anywhere.
    assert all(c.custom_fields == {} for c in created)
    assert not {"Lisätiedot", "Client Notes"} & {label for _header, label in report.columns}


def test_the_same_export_imported_twice_creates_nothing_twice(world):
    text = decode_upload(data("timma_utf8_bom_semicolon.csv"))
    assert run_import(world.org, text, actor=ACTOR).created == 3
    second = run_import(world.org, text, actor=ACTOR)
    assert (second.created, second.skipped) == (0, 3)
    assert Client.objects.for_organization(world.org).count() == 3
