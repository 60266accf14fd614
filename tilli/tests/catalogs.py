"""Reading PO catalogs, and extracting the source's strings without touching the committed catalogs.

Shared by the catalog test (every msgid translated) and the page walk (which needs the source's
English vocabulary to tell an English string on a translated page from a name or a number).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["fi", "sv", "pl"]


def entries(po_file: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """(flags, {keyword: text}) for each entry of a PO file; comments are skipped."""
    for block in po_file.read_text(encoding="utf-8").split("\n\n"):
        flags, fields, key = "", {}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags += line
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                fields[key] += line[1:-1]
            else:
                key, _, rest = line.partition(" ")
                fields[key] = rest.strip()[1:-1]
        if fields:
            yield flags, fields


def untranslated(po_file: Path) -> list[str]:
    """msgids whose translation is empty or marked fuzzy (the header excluded)."""
    missing = []
    for flags, fields in entries(po_file):
        if fields.get("msgid") == "":
            continue  # the header
        translations = [text for key, text in fields.items() if key.startswith("msgstr")]
        if "fuzzy" in flags or not all(translations):
            missing.append(fields["msgid"])
    return missing


def extract(tmp_path: Path, languages: list[str]) -> Path:
    """Run makemessages over a copy of the tree (it writes next to the sources it reads) and return the
    copy's locale directory: the committed catalogs merged with every string the source uses now."""
    if not shutil.which("xgettext"):
        pytest.fail("GNU gettext is needed to extract strings: run bin/system-deps (Debian package gettext).")
    tree = tmp_path / "tree"
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(".venv", "var", ".git", "staticfiles", "tests_e2e",
                                                               "tests", "__pycache__", "*.mo"))
    copy = tree / "locale"
    cwd = os.getcwd()
    os.chdir(tree)
    try:
        with override_settings(LOCALE_PATHS=[copy]):
            call_command("makemessages", locale=languages, verbosity=0)
    finally:
        os.chdir(cwd)
    return copy
