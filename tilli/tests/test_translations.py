"""The fi, sv and pl catalogs are complete for every string the code and templates use."""

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["fi", "sv", "pl"]


def _entries(po_file: Path):
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


def _untranslated(po_file: Path) -> list[str]:
    """msgids whose translation is empty or marked fuzzy (the header excluded)."""
    missing = []
    for flags, fields in _entries(po_file):
        if fields.get("msgid") == "":
            continue  # the header
        translations = [text for key, text in fields.items() if key.startswith("msgstr")]
        if "fuzzy" in flags or not all(translations):
            missing.append(fields["msgid"])
    return missing


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_catalogs_have_no_missing_or_fuzzy_translations(language):
    assert _untranslated(ROOT / "locale" / language / "LC_MESSAGES" / "django.po") == []


def test_every_string_in_the_source_is_in_the_catalogs(tmp_path):
    if not shutil.which("xgettext"):
        pytest.fail("GNU gettext is needed to extract strings: run bin/system-deps (Debian package gettext).")
    # makemessages writes next to the sources it reads, so extract from a copy of the tree.
    tree = tmp_path / "tree"
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(".venv", "var", ".git", "staticfiles", "tests_e2e",
                                                               "tests", "__pycache__", "*.mo"))
    copy = tree / "locale"
    cwd = os.getcwd()
    os.chdir(tree)
    try:
        with override_settings(LOCALE_PATHS=[copy]):
            call_command("makemessages", locale=LANGUAGES, verbosity=0)
    finally:
        os.chdir(cwd)
    for language in LANGUAGES:
        missing = _untranslated(copy / language / "LC_MESSAGES" / "django.po")
        assert missing == [], f"{language}: translate these (make messages): {missing[:10]}"
